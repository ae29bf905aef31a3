/**
 * Which way each call goes (docs/socket-rpc.md): a proxy over the tRPC client's paths
 * that sends a procedure the socket carries (core SOCKET_OPS) over the call socket when
 * the client's transport allows it, and everything else over HTTP, unchanged.
 */
import { SOCKET_OPS, isSocketOp, type SocketOp } from '@greenlight/core';
import type { CallSocket, Transport } from './calls.ts';
import { isReserved, reservedValue, type Api } from './client.ts';

/** The tRPC client's call for `op`, of the kind the router declares (a read is a query). */
export function httpCall(api: Api, op: SocketOp, input: unknown, signal: AbortSignal | undefined): Promise<unknown> {
  const [a, b] = op.split('.') as [string, string];
  const kind = SOCKET_OPS[op] === 'read' ? 'query' : 'mutate';
  const node = (api as unknown as Record<string, Record<string, Record<string, (i: unknown, o: { signal?: AbortSignal }) => Promise<unknown>>>>)[a]![b]![kind]!;
  return node(input, signal ? { signal } : {});
}

/** `api`, with the socket's procedures sent over `calls` when `transport` says so. */
export function routeCalls(api: Api, calls: CallSocket, transport: Exclude<Transport, 'http'>, path: string[] = []): Api {
  let node: unknown = api;
  for (const p of path) node = (node as Record<string, unknown>)[p];
  const fn = (() => {}) as unknown as Api;
  return new Proxy(fn, {
    get: (t, prop) => (isReserved(prop) ? reservedValue(t, prop) : routeCalls(api, calls, transport, [...path, prop as string])),
    apply: (_t, _this, args: unknown[]) => {
      const kind = path[path.length - 1];
      const op = path.slice(0, -1).join('.');
      // Only a call of the kind the router declares goes over the socket; a mismatch gets HTTP's answer.
      if (isSocketOp(op) && kind === (SOCKET_OPS[op] === 'read' ? 'query' : 'mutate') && (transport === 'socket' || calls.isOpen())) {
        return calls.call(op, args[0], (args[1] as { signal?: AbortSignal } | undefined)?.signal, transport === 'socket');
      }
      return (node as (...a: unknown[]) => unknown)(...args);
    },
  });
}
