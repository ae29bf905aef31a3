/** Whether the page is following live events. */
import type { LiveState } from '../hooks/useLive.ts';

export const LiveDot = ({ state }: { state: LiveState }) => (
  <span class={`live ${state.live ? 'on' : 'off'}`} title={state.live ? 'Updates arrive as they happen' : 'Connecting to live events…'}>
    {state.live ? 'live' : 'connecting'}
  </span>
);
