/** A step or task status as a coloured badge; the colour comes from the status name in the CSS, the words from core. */
import { statusLabel, type StepStatus, type TaskStatus } from '@greenlight/core';

export const StatusBadge = ({ status }: { status: StepStatus | TaskStatus }) => <span class={`badge status-${status}`}>{statusLabel(status)}</span>;
