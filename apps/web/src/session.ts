/**
 * The reviewer's key lives in sessionStorage only: it is gone when the tab closes,
 * and never reaches localStorage, a cookie or a URL.
 */
const STORAGE_KEY = 'greenlight.key';

export function loadKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    // Storage can be disabled (privacy modes): the page still works for this load.
    return undefined;
  }
}

export function saveKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // See loadKey: without storage the key lasts until the page reloads.
  }
}

export function clearKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing was stored.
  }
}

const CHARACTER_KEYS = 'greenlight.characterKeys';

/** Whether single-character shortcuts are on in this tab (on unless the reviewer turned them off). */
export function loadCharacterKeys(): boolean {
  try {
    return sessionStorage.getItem(CHARACTER_KEYS) !== 'off';
  } catch {
    return true;
  }
}

export function saveCharacterKeys(on: boolean): void {
  try {
    if (on) sessionStorage.removeItem(CHARACTER_KEYS);
    else sessionStorage.setItem(CHARACTER_KEYS, 'off');
  } catch {
    // See loadKey: the choice lasts until the page reloads.
  }
}

const UNDO_SECONDS = 'greenlight.undoSeconds';
/** The undo window's lengths a reviewer may pick (seconds): never none, a slip needs a moment to be seen. */
export const UNDO_CHOICES = [5, 10, 30] as const;

/** The undo window for this tab, in seconds (5 unless the reviewer picked another in the help dialog). */
export function loadUndoSeconds(): number {
  try {
    const n = Number(sessionStorage.getItem(UNDO_SECONDS));
    return (UNDO_CHOICES as readonly number[]).includes(n) ? n : UNDO_CHOICES[0];
  } catch {
    return UNDO_CHOICES[0];
  }
}

export function saveUndoSeconds(seconds: number): void {
  try {
    sessionStorage.setItem(UNDO_SECONDS, String(seconds));
  } catch {
    // See loadKey: the choice lasts until the page reloads.
  }
}
