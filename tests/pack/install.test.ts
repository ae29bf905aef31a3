/**
 * Issue 16 item 4: `npm pack` of @greenlight/sdk and @greenlight/cli installs into a fresh
 * project outside the repository (only the tarballs and the npm registry) and works: the
 * SDK on Node 20 and 22 against a real server (plan, read, live events), its declarations
 * resolve with no repository around them, it bundles for browsers with no node: import
 * and runs in workerd; the CLI's bin runs on Node 20 and 22 (no TypeScript stripping).
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../scripts/server.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';
import { node20, runIn, scratchProject, type Scratch } from './scratch.ts';

let server: TestServer;
let keys: { admin: string; agent: string; reviewer: string };
let scratch: Scratch;
let nodes: Record<string, string>;

const fixture = (name: string) => copyFileSync(join(import.meta.dirname, 'fixtures', name), join(scratch.dir, name));

beforeAll(async () => {
  [server, scratch] = await Promise.all([startTestServer(), scratchProject()]);
  keys = await createWorkspace(server, 'pack', { agent: 'agent', reviewer: 'approver' });
  nodes = { 'Node 20': await node20(), 'Node 22': process.execPath };
  for (const f of ['agent.mjs', 'consumer.ts', 'worker.mjs', 'tsconfig.json']) fixture(f);
});

afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(dirname(scratch.dir), { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('ship built JavaScript and declarations, and depend only on registry packages at exact versions', () => {
    for (const pkg of ['sdk', 'cli']) {
      const manifest = JSON.parse(readFileSync(join(scratch.dir, 'node_modules', '@greenlight', pkg, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
        exports: Record<string, unknown>;
      };
      expect(JSON.stringify(manifest.exports)).not.toMatch(/"\.\/src\//);
      for (const [name, version] of Object.entries(manifest.dependencies)) {
        expect({ name, from: name.startsWith('@greenlight/') ? 'repo' : 'registry' }).toEqual({ name, from: 'registry' });
        expect({ name, version }).toEqual({ name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      }
    }
  });

  for (const label of ['Node 20', 'Node 22']) {
    it(`SDK on ${label}: plans a task, reads it back, and sees its events live`, async () => {
      const run = await runIn(scratch.dir, nodes[label]!, ['agent.mjs', server.url, keys.agent]);
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout) as { title: string; steps: number; firstEvent: string; builtinWebSocket: boolean };
      expect(out).toMatchObject({ title: 'Packed SDK', steps: 1, firstEvent: 'task.planned' });
      // Node 20 has no WebSocket of its own: the live events above came over the `ws` package.
      expect(out.builtinWebSocket).toBe(label === 'Node 22');
    });

    it(`CLI on ${label}: --help, and show reads the task`, async () => {
      const bin = join('node_modules', '.bin', 'greenlight');
      const help = await runIn(scratch.dir, nodes[label]!, [bin, '--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toContain('Usage: greenlight <command>');
      const agent = await runIn(scratch.dir, nodes[label]!, ['agent.mjs', server.url, keys.agent]);
      const { id } = JSON.parse(agent.stdout) as { id: string };
      const show = await runIn(scratch.dir, nodes[label]!, [bin, 'show', id], { GREENLIGHT_URL: server.url, GREENLIGHT_KEY: keys.reviewer });
      expect(show).toMatchObject({ code: 0, stderr: '' });
      expect(show.stdout).toContain('Packed SDK');
      expect(show.stdout).toContain('echo hello');
    });
  }

  it('type-checks against the packed declarations alone (strict, nodenext)', async () => {
    const tsc = join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = await runIn(scratch.dir, process.execPath, [tsc, '-p', 'tsconfig.json']);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('bundles for the browser: no node: import, no ws', async () => {
    const result = await build({
      stdin: { contents: "import { createClient } from '@greenlight/sdk'; export const gl = createClient({ url: location.origin, key: 'k' });", resolveDir: scratch.dir, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    // No import of a Node built-in or of ws, static or dynamic.
    expect(code).not.toMatch(/(?:from|import|require)\s*\(?\s*["'](?:node:[^"']*|ws)["']/);
    expect(code).toContain('createClient');
  });

  it('runs in workerd: a Worker bundled with the packed SDK reads a task', async () => {
    const agent = await runIn(scratch.dir, process.execPath, ['agent.mjs', server.url, keys.agent]);
    const { id } = JSON.parse(agent.stdout) as { id: string };
    // Bundled as wrangler bundles a Worker: the workerd/worker/browser conditions, no Node built-ins.
    const bundle = await build({
      entryPoints: [join(scratch.dir, 'worker.mjs')],
      bundle: true,
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const mf = new Miniflare(convertV4MiniflareOptions({ modules: true, script: bundle.outputFiles[0]!.text, compatibilityDate: '2025-09-01', cf: false, log: new Log(LogLevel.WARN) }));
    try {
      const res = await mf.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify({ url: server.url, key: keys.reviewer, taskId: id }) });
      expect(await res.json()).toEqual({ title: 'Packed SDK' });
    } finally {
      await mf.dispose();
    }
  });
});
