/**
 * Which approval the keyboard acts on. Kept by id so a reload does not move it; when
 * the selected one is decided and leaves the list, the one now in its place is next.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Selection = { selected: string | undefined; select: (id: string) => void; move: (delta: number) => void };

export function useSelection(ids: string[]): Selection {
  const [id, setId] = useState<string | undefined>(undefined);
  const lastIndex = useRef(0);
  const found = id === undefined ? -1 : ids.indexOf(id);
  const index = found >= 0 ? found : Math.min(lastIndex.current, ids.length - 1);
  const selected = index >= 0 ? ids[index] : undefined;
  useEffect(() => {
    lastIndex.current = Math.max(index, 0);
  });
  const idsRef = useRef(ids);
  idsRef.current = ids;
  const move = useCallback(
    (delta: number) => {
      const list = idsRef.current;
      const next = list[Math.min(list.length - 1, Math.max(0, index + delta))];
      if (next !== undefined) setId(next);
    },
    [index],
  );
  return { selected, select: setId, move };
}

/** Keep the selected card on screen as the reviewer moves with j/k. */
export function useScrollIntoView<T extends HTMLElement>(active: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [active]);
  return ref;
}
