/**
 * "What the statuses mean": each step and task status as its badge, with where it can
 * go next and why, read from core's transition tables (legend.ts). A native
 * <details>, closed by default, so it costs the reader nothing until asked.
 */
import { stepLegend, taskLegend, type LegendRow } from '../legend.ts';
import { StatusBadge } from './StatusBadge.tsx';

function Rows({ rows }: { rows: LegendRow[] }) {
  return (
    <dl class="legend-list">
      {rows.map((r) => (
        <div key={r.status} class="legend-row">
          <dt>
            <StatusBadge status={r.status} />
          </dt>
          <dd>
            {r.moves.length === 0 ? (
              <span class="muted">final</span>
            ) : (
              <ul>
                {r.moves.map((m) => (
                  <li key={m.to}>
                    <span aria-hidden="true">→ </span>
                    <strong>{m.label}</strong> <span class="muted">on {m.when}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function StatusLegend() {
  return (
    <details class="legend small">
      <summary>What the statuses mean</summary>
      <h3>Steps</h3>
      <Rows rows={stepLegend()} />
      <h3>Task</h3>
      <Rows rows={taskLegend()} />
    </details>
  );
}
