/**
 * The plan as a graph, flattened: a step's stage is one more than the latest stage
 * it depends on, so steps that share a stage may run in parallel. Plans are checked
 * acyclic by the server; an unknown or cyclic key just counts as stage 0 here.
 */
export function stages(steps: { key: string; dependsOn: string[] }[]): Map<string, number> {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const out = new Map<string, number>();
  const visiting = new Set<string>();
  const stageOf = (key: string): number => {
    const known = out.get(key);
    if (known !== undefined) return known;
    const step = byKey.get(key);
    if (!step || visiting.has(key)) return 0;
    visiting.add(key);
    const stage = 1 + Math.max(0, ...step.dependsOn.map(stageOf));
    visiting.delete(key);
    out.set(key, stage);
    return stage;
  };
  for (const s of steps) stageOf(s.key);
  return out;
}
