/**
 * The keyboard shortcuts, on "?". A native modal <dialog>: it takes the focus, keeps it
 * inside (the page behind is inert), closes on Escape or a click outside, and gives the
 * focus back to where it was.
 */
import { useContext, useEffect, useRef } from 'preact/hooks';
import { HELP } from '../decisions.ts';
import { UNDO_CHOICES } from '../session.ts';
import { CharacterKeys } from '../hooks/useShortcuts.ts';

type Props = { onClose: () => void; onCharacterKeys: (on: boolean) => void; undoSeconds: number; onUndoSeconds: (seconds: number) => void };

export function HelpDialog({ onClose, onCharacterKeys, undoSeconds, onUndoSeconds }: Props) {
  const characterKeys = useContext(CharacterKeys);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog?.showModal();
    return () => {
      dialog?.close();
      if (opener instanceof HTMLElement) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="help"
      aria-labelledby="help-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // The dialog itself is hit only outside its body, on the backdrop.
      onClick={(e) => e.target === e.currentTarget && onClose()}
    >
      <div class="help-body">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {HELP.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted small">Keys act on the highlighted approval and do nothing while you type in a field.</p>
        <label class="switch">
          <input type="checkbox" checked={characterKeys} onChange={(e) => onCharacterKeys(e.currentTarget.checked)} />
          Single-key shortcuts (turn them off if you use speech input)
        </label>
        <label class="switch">
          Hold each decision before sending it for
          <select value={String(undoSeconds)} onChange={(e) => onUndoSeconds(Number(e.currentTarget.value))}>
            {UNDO_CHOICES.map((n) => (
              <option key={n} value={String(n)}>
                {n} s
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
