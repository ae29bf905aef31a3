/**
 * The client is a proxy over procedure paths; it must still behave like a plain value:
 * returned from async code, awaited, printed, serialised and compared, without ever
 * sending a request or leaving an unhandled rejection. Against a real local HTTP
 * server that counts what reaches it.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, GreenlightError, type GreenlightClient } from '../src/index.ts';
import { startHttpServer, type TestHttpServer } from './server.ts';

let server: TestHttpServer;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  server = await startHttpServer('unauthorized');
});
afterAll(() => server.close());
beforeEach(() => {
  unhandled = [];
  server.requests.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Settle within `ms`, or fail: the bug this guards against was a promise that never settled. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const make = async () => createClient({ url: server.url, key: 'gl_test_key' });

describe('the client as a value', () => {
  it('can be returned from an async function and awaited (the proxy answers no `then`)', async () => {
    const client = await within(1_000, make());
    expect(typeof client.waitForDecision).toBe('function');
    expect(typeof client.tasks.get.query).toBe('function');
    const tasks = await within(1_000, Promise.resolve(client.tasks));
    expect(typeof tasks.list.query).toBe('function');
    // Let any stray promise settle, then check nothing went over the wire or unhandled.
    await new Promise((r) => setImmediate(r));
    expect(server.requests).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('is printed, serialised, compared and probed like a plain object, without a request', async () => {
    const client = await within(1_000, make());
    expect(String(client)).toBe('[object Object]');
    expect(`${client.tasks.get}`).toContain('function');
    expect(JSON.stringify(client)).toBe('{}');
    expect(JSON.stringify({ tasks: client.tasks })).toBe('{}');
    expect(inspect(client)).toContain('waitForDecision');
    expect(inspect(client.tasks.get.query)).toContain('Function');
    const probes = client as unknown as Record<PropertyKey, unknown>;
    for (const name of ['then', 'catch', 'finally', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'inspect']) {
      expect(probes[name]).toBeUndefined();
      expect((client.tasks as unknown as Record<PropertyKey, unknown>)[name]).toBeUndefined();
    }
    for (const sym of [Symbol.iterator, Symbol.asyncIterator, Symbol.toPrimitive, Symbol.for('nodejs.util.inspect.custom')]) expect(probes[sym]).toBeUndefined();
    expect(client.constructor).toBe(Object);
    // Not a matcher in disguise: a value with asymmetricMatch would "equal" anything.
    expect(client).not.toEqual({ tasks: 1 });
    expect(client).toBe(client);
    await new Promise((r) => setImmediate(r));
    expect(server.requests).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('calls only <path>.query() and <path>.mutate(); calling anything else throws a TypeError at once', async () => {
    const client = await within(1_000, make());
    const notCallable = client.tasks.get as unknown as () => unknown;
    expect(() => notCallable()).toThrow(TypeError);
    expect(() => (client.tasks as unknown as () => unknown)()).toThrow('client.tasks is not a function');
    // Function's own methods work on a procedure: call, apply, bind.
    const err = await client.tasks.list.query.call(undefined, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreenlightError);
    expect((err as GreenlightError).code).toBe('UNAUTHORIZED');
    expect(server.requests).toEqual(['/trpc/tasks.list?input=%7B%7D']);
    expect(unhandled).toEqual([]);
  });

  it('types: awaiting the client, or returning it from async code, gives the client type back', () => {
    expectTypeOf<Awaited<GreenlightClient>>().toEqualTypeOf<GreenlightClient>();
    expectTypeOf(make).returns.resolves.toEqualTypeOf<GreenlightClient>();
    expectTypeOf<GreenlightClient>().not.toHaveProperty('then');
    expectTypeOf<GreenlightClient['tasks']>().not.toHaveProperty('then');
    expectTypeOf<Awaited<GreenlightClient['tasks']>>().toEqualTypeOf<GreenlightClient['tasks']>();
  });
});

describe('a server that is not there', () => {
  it('says why in the NETWORK_ERROR (connect ECONNREFUSED and the address), not only "fetch failed"', async () => {
    const gone = await startHttpServer('unauthorized');
    await gone.close(); // its port now refuses connections
    const err = await createClient({ url: gone.url, key: 'gl_test_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' })
      .tasks.list.query({})
      .then(
        () => undefined,
        (e: unknown) => e as GreenlightError,
      );
    expect(err?.code).toBe('NETWORK_ERROR');
    expect(err?.message).toMatch(/^no Greenlight answer from http:\/\/127\.0\.0\.1:\d+\/trpc\/tasks\.list: fetch failed: .*ECONNREFUSED .*127\.0\.0\.1:\d+/);
  });
});
