/**
 * Load data, and load it again on demand (a live event, a reload button). Calls that
 * arrive while a load runs are folded into one more load after it, so a burst of
 * events costs two requests, not one per event. `patch` changes what is shown from an
 * answer in hand (a decision's step) without a request.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { GreenlightError } from '@greenlight/sdk';
import { asError } from '../client.ts';

export type Loaded<T> = { data: T | undefined; error: GreenlightError | undefined; reload: () => void; patch: (change: (data: T) => T) => void };

export function useReload<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const state = useRef({ running: false, again: false, alive: true });

  const reload = useCallback(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    loadRef
      .current()
      .then(
        (value) => {
          if (!s.alive) return;
          setData(value);
          setError(undefined);
        },
        (err: unknown) => {
          if (s.alive) setError(asError(err));
        },
      )
      .finally(() => {
        s.running = false;
        if (s.again && s.alive) {
          s.again = false;
          reload();
        }
      });
  }, []);

  useEffect(() => {
    state.current.alive = true;
    reload();
    return () => {
      state.current.alive = false;
    };
  }, [reload]);

  // Nothing loaded yet: nothing to change (the load under way brings the state after it).
  const patch = useCallback((change: (data: T) => T) => setData((d) => (d === undefined ? d : change(d))), []);

  return { data, error, reload, patch };
}
