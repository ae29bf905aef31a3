/** A step or task status as a coloured badge; the colour comes from the status name in the CSS. */
import { label } from '../format.ts';

export const StatusBadge = ({ status }: { status: string }) => <span class={`badge status-${status}`}>{label(status)}</span>;
