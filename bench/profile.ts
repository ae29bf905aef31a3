/**
 * `npm run bench:profile`: where a decision's time goes. Starts `serve` with an
 * unminified bundle and workerd's inspector open, then CPU-profiles the Worker's isolate
 * (the Worker and its Durable Objects run in it) while 32 clients drive, in turn, bare
 * writes (the throughput floor), the object's call() pipeline alone (bare
 * events.ticket) and approvals.decide on one workspace. For each, it prints the share of
 * samples and the isolate time per call, by Greenlight function. It takes about 30 s
 * and is not part of `npm run bench`: a profiler slows what it watches.
 */
import { freePort } from '../scripts/local.ts';
import { bare, call, inbox, seed, workspace } from './lib/http.ts';
import { attach, byFunction, type CpuProfile } from './lib/inspector.ts';
import { startMode } from './lib/servers.ts';
import { throughput } from './lib/stats.ts';

const CLIENTS = 32;
const LOAD_MS = 4_000;
/** Functions to sum time under, inner first wins: the object's pipeline, its domain work, the Worker's layers. */
const NAMES = [
  'readMeta',
  'findKey',
  'sha256Hex',
  'rateLimit',
  'touchKey',
  'aimAlarm',
  'transactionSync',
  'call',
  'findApproval',
  'loadTask',
  'saveTask',
  'insertHistory',
  'historyEntries',
  'syncSessionRows',
  'recordProposals',
  'runCommand',
  'chainHash',
  'chainHead',
  'appendEvents',
  'assessRisk',
  'structuredClone',
  'applyDeadlines',
  'Draft',
  'decide',
  'issueTicket',
  'runBench',
  'ping',
  'inputValidatorMiddleware',
  'outputValidatorMiddleware',
  'resolveResponse',
  'fetchRequestHandler',
  'secureHeaders',
  'bodyLimit',
  'dispatch',
] as const;

const inspectorPort = await freePort();
const s = await startMode('serve', { minify: false, inspectorPort });
try {
  const ws = await workspace(s.url, s.rootToken, 'profile');
  await seed(s.url, ws.agent, 6_000, { shape: 'inbox', batch: 1000 });
  const open = await inbox(s.url, ws.approver, 6_000);
  // The Worker's service: "greenlight" on bare workerd ("core:user:greenlight" under Miniflare).
  const isolate = await attach(inspectorPort, 'greenlight');
  await isolate.send('Profiler.enable');
  await isolate.send('Profiler.setSamplingInterval', { interval: 100 });
  const loads: [string, () => Promise<boolean>][] = [
    ['bare write (the floor)', async () => (await bare(s.url, ws.agent, '/bench/write', {}), true)],
    ['call() pipeline alone (bare events.ticket)', async () => (await bare(s.url, ws.approver, '/bench/ticket', {}), true)],
    [
      'approvals.decide (tRPC)',
      async () => {
        const a = open.pop();
        if (!a) return false;
        await call(s.url, ws.approver, 'approvals.decide', { approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
        return true;
      },
    ],
  ];
  for (const [name, fn] of loads) {
    await isolate.send('Profiler.start');
    const r = await throughput(CLIENTS, LOAD_MS, fn);
    const { profile } = await isolate.send<{ profile: CpuProfile }>('Profiler.stop');
    const perCallUs = (share: number) => ((share * r.ms) / r.done) * 1000;
    console.log(`\n${name}: ${r.rps.toFixed(0)} calls/s; isolate time per call by function (µs, share of samples):`);
    for (const { label, share } of byFunction(profile, NAMES).slice(0, 24)) {
      console.log(`  ${perCallUs(share).toFixed(0).padStart(5)}  ${(share * 100).toFixed(1).padStart(5)}%  ${label}`);
    }
  }
  isolate.close();
} finally {
  await s.stop();
}
