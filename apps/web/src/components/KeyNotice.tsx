/**
 * For a key that cannot decide (agent, viewer): what it can and cannot do, up front,
 * instead of a FORBIDDEN on the first click (issue 16 item 3).
 */
import { useContext } from 'preact/hooks';
import { cannotReview, roleAbilities } from '../roles.ts';
import { ViewerContext } from '../viewer.ts';

export function KeyNotice({ onSignOut }: { onSignOut: () => void }) {
  const viewer = useContext(ViewerContext);
  if (!viewer || !cannotReview(viewer.role)) return null;
  const { can, cannot } = roleAbilities(viewer.role);
  return (
    <section class="key-notice" aria-labelledby="key-notice-title">
      <h2 id="key-notice-title">
        You are signed in with {/^[aeiou]/.test(viewer.role) ? 'an' : 'a'} {viewer.role} key ({viewer.principal}): you can look, not decide.
      </h2>
      <p>
        This key can {can.join(', ')}. It cannot {cannot.join(', ')}. To review,{' '}
        <button type="button" class="link" onClick={onSignOut}>
          sign out
        </button>{' '}
        and sign in with an approver or admin key.
      </p>
    </section>
  );
}
