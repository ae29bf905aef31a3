/**
 * Bench-only routes for `npm run bench`: bare Worker -> Durable Object calls that give
 * each figure its floor, and seeding / query plans for the scale check. Only the bench's
 * entry (bench-worker.ts) mounts them, so the production Worker has no /bench path; even
 * there they answer 404 unless GREENLIGHT_BENCH=1 is bound (the bench sets it).
 *
 * Mounted twice: at /bench (listed in run_worker_first, so it skips the asset lookup,
 * like /trpc) and at /bench-via-assets (not listed: the asset layer looks first), so the
 * bench can show what run_worker_first saves.
 */
import { parseKey, type PlanInput } from '@greenlight/core';
import { Hono, type Context } from 'hono';
import { benchEnabled, type BenchOp, type BenchWorkspace } from './workspace/bench.ts';
import type { Cred } from './workspace/object.ts';

type App = Hono<{ Bindings: Env }>;
type Ctx = Context<{ Bindings: Env }>;
type Target = { stub: DurableObjectStub<BenchWorkspace>; cred: Cred };

/** The workspace the bearer key names; the bare floor does not check the secret. */
function target(c: Ctx): Target | undefined {
  const key = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const parsed = key ? parseKey(key) : undefined;
  const cred: Cred | undefined = parsed ? { ...parsed, kind: 'key' } : undefined;
  // The bench entry binds WORKSPACE to BenchWorkspace (bench-worker.ts); the generated Env names the production class.
  return cred ? { stub: c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(cred.workspaceId)) as unknown as DurableObjectStub<BenchWorkspace>, cred } : undefined;
}

const withTarget =
  (handle: (c: Ctx, t: Target) => Promise<Response>) =>
  async (c: Ctx): Promise<Response> => {
    const t = target(c);
    return t ? handle(c, t) : c.text('bench routes need Authorization: Bearer <workspace key>', 401);
  };

function routes(): App {
  const bench: App = new Hono();
  bench.use('*', async (c, next) => (benchEnabled(c.env) ? next() : c.notFound()));
  bench.post(
    '/ping',
    withTarget(async (c, { stub }) => c.json({ pong: await stub.ping() })),
  );
  bench.post(
    '/write',
    withTarget(async (c, { stub }) => c.json(await stub.bench({ op: 'write' }))),
  );
  // The same object methods the tRPC procedures call, without tRPC or zod in front.
  bench.post(
    '/ticket',
    withTarget(async (c, { stub, cred }) => c.json(await stub.ticket(cred))),
  );
  bench.post(
    '/plan',
    withTarget(async (c, { stub, cred }) => c.json(await stub.plan(cred, await c.req.json<PlanInput>()))),
  );
  bench.post(
    '/seed',
    withTarget(async (c, { stub }) => {
      const { tasks, shape } = await c.req.json<{ tasks: number; shape?: 'lifecycle' | 'inbox' }>();
      return c.json(await stub.bench({ op: 'seed', tasks, shape: shape ?? 'lifecycle' }));
    }),
  );
  // Drop the object's instance: the next call wakes a fresh one, as after an eviction (the scale bench times that wake).
  bench.post(
    '/evict',
    withTarget(async (c, { stub }) => {
      try {
        await stub.evict();
      } catch {
        // ctx.abort() fails the call that made it: that failure is the eviction.
      }
      return c.json({ op: 'evicted' });
    }),
  );
  for (const op of ['explain', 'stats'] as const satisfies BenchOp['op'][]) {
    bench.get(
      `/${op}`,
      withTarget(async (c, { stub }) => c.json(await stub.bench({ op }))),
    );
  }
  return bench;
}

export function mountBench(app: App): void {
  const bench = routes();
  app.route('/bench', bench);
  app.route('/bench-via-assets', bench);
}
