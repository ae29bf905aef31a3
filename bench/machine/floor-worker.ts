/**
 * The machine's floor: the smallest Worker + SQLite Durable Object there is, run on bare
 * workerd by bench/lib/machine.ts. No framework, no auth, no JSON parsing of the request:
 * what any product on this runtime pays at least for a call (Worker -> object RPC) and a
 * write (one upsert committed through the output gate). The object is named by the
 * `x-object` header, so 32 clients can share one object or use one each.
 */
import { DurableObject } from 'cloudflare:workers';

type FloorEnv = { FLOOR: DurableObjectNamespace<Floor> };

export class Floor extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  }

  /** Does nothing: the cost of the RPC itself. */
  ping(): number {
    return 1;
  }

  /** One small upsert, the same statement as Greenlight's /bench/write. */
  write(): number {
    return this.ctx.storage.sql.exec<{ v: number }>(`INSERT INTO kv (k, v) VALUES ('n', 1) ON CONFLICT (k) DO UPDATE SET v = v + 1 RETURNING v`).one().v;
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/healthz') return new Response('ok');
    const stub = env.FLOOR.get(env.FLOOR.idFromName(request.headers.get('x-object') ?? 'floor'));
    if (path === '/ping') return Response.json({ pong: await stub.ping() });
    if (path === '/write') return Response.json({ n: await stub.write() });
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<FloorEnv>;
