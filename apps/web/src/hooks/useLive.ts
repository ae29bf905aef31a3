/**
 * Follow the workspace's live events (the SDK's watch(): one WebSocket, resumed from
 * the last seq after a drop) while the component is mounted. `start` says where to
 * resume; `onReady` runs each time the stream is caught up, the moment to reload
 * whatever may have changed before it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Event, GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';

export type LiveOptions = {
  /** Resolves to the seq to resume after, and the taskId filter if any. */
  start: () => Promise<{ after: number; taskId?: string }>;
  onEvent: (event: Event) => void;
  onReady: () => void;
};

export type LiveState = { live: boolean; error: GreenlightError | undefined };

export function useLive(client: Client, opts: LiveOptions): LiveState {
  const ref = useRef(opts);
  ref.current = opts;
  const [state, setState] = useState<LiveState>({ live: false, error: undefined });
  useEffect(() => {
    const ctrl = new AbortController();
    const follow = async () => {
      const { after, taskId } = await ref.current.start();
      const onReady = () => {
        setState({ live: true, error: undefined });
        ref.current.onReady();
      };
      for await (const event of client.watch({ after, signal: ctrl.signal, onReady, ...(taskId ? { taskId } : {}) })) {
        ref.current.onEvent(event);
      }
    };
    follow().catch((err: unknown) => {
      if (!ctrl.signal.aborted) setState({ live: false, error: asError(err) });
    });
    return () => ctrl.abort();
  }, [client]);
  return state;
}
