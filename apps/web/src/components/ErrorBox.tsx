/**
 * An error, readable: what happened as a sentence, the server's words, what to do, the
 * zod issues of bad input, and the code last and small (errors.ts). A CONFLICT means
 * what was shown is out of date, so it offers a reload.
 */
import { useContext } from 'preact/hooks';
import type { GreenlightError } from '@greenlight/sdk';
import { errorText, LOCAL_CODE } from '../errors.ts';
import { ViewerContext } from '../viewer.ts';

type Props = { error: GreenlightError | undefined; onReload?: () => void; onDismiss?: () => void };

export function ErrorBox({ error, onReload, onDismiss }: Props) {
  const viewer = useContext(ViewerContext);
  if (!error) return null;
  const text = errorText(error, viewer?.role);
  return (
    <div class="error" role="alert" data-code={error.code}>
      <p class="lead">
        <strong>{text.lead}</strong>
        {text.detail && <> {text.detail}</>}
      </p>
      {error.issues.length > 0 && (
        <ul class="issues">
          {error.issues.map((i, n) => (
            <li key={n}>
              {i.path.length > 0 && <code>{i.path.join('.')}</code>} {i.message}
            </li>
          ))}
        </ul>
      )}
      {text.hint && <p class="hint">{text.hint}</p>}
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
        {error.code !== LOCAL_CODE && (
          <span class="code small">
            {error.code}
            {error.reason ? ` · ${error.reason}` : ''}
          </span>
        )}
      </div>
    </div>
  );
}
