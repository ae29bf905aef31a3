/**
 * Single-key shortcuts for the page. They never fire while the reviewer types in a
 * field or holds a modifier, so "a" in a feedback box is just a letter.
 */
import { createContext } from 'preact';
import { useContext, useLayoutEffect, useRef } from 'preact/hooks';

/**
 * Whether single-character shortcuts (a, r, j, ?) are on. A reviewer who uses speech
 * input can turn them off in the help dialog, since a spoken word could otherwise
 * approve a step (WCAG 2.1.4); Escape and Ctrl+Enter keep working.
 */
export const CharacterKeys = createContext(true);

export type Shortcuts = Record<string, () => void>;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/** Bind `keys` (by KeyboardEvent.key) while `enabled`; the latest handlers are always used. */
export function useShortcuts(keys: Shortcuts, enabled = true): void {
  const ref = useRef(keys);
  ref.current = keys;
  const characterKeys = useRef(true);
  characterKeys.current = useContext(CharacterKeys);
  // Bound as the render commits (not after paint): a key pressed right after the selection
  // moves reaches the approval now selected.
  useLayoutEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
      if (e.key.length === 1 && !characterKeys.current) return;
      const run = ref.current[e.key];
      if (!run) return;
      e.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
