/**
 * An API error, readable: the tRPC code, the message, the zod issues of bad input.
 * A CONFLICT means what was shown is out of date, so it offers a reload.
 */
import type { GreenlightError } from '@greenlight/sdk';

type Props = { error: GreenlightError | undefined; onReload?: () => void; onDismiss?: () => void };

const HINTS: Record<string, string> = {
  CONFLICT: 'This changed since it was shown (or was already decided). Reload to see the current version, then decide again.',
  UNAUTHORIZED: 'The key was not accepted: it may be mistyped or revoked.',
  FORBIDDEN: 'Your key’s role may not do this.',
  NETWORK_ERROR: 'The server could not be reached.',
  TOO_MANY_REQUESTS: 'Too many requests: wait a moment and try again.',
};

export function ErrorBox({ error, onReload, onDismiss }: Props) {
  if (!error) return null;
  const hint = HINTS[error.code];
  return (
    <div class="error" role="alert">
      <div>
        <strong class="code">{error.code}</strong> {error.message}
      </div>
      {error.issues.length > 0 && (
        <ul class="issues">
          {error.issues.map((i, n) => (
            <li key={n}>
              {i.path.length > 0 && <code>{i.path.join('.')}</code>} {i.message}
            </li>
          ))}
        </ul>
      )}
      {hint && <div class="hint">{hint}</div>}
      <div class="error-actions">
        {error.code === 'CONFLICT' && onReload && (
          <button type="button" onClick={onReload}>
            Reload
          </button>
        )}
        {onDismiss && (
          <button type="button" class="link" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
