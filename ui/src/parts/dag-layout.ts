/** Steps placed in layers, left to right: a step one layer right of the deepest step it waits for; `gap` apart. */
export function layout(steps: { name: string; after: string[] }[], gap = { x: 230, y: 110 }): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const byName = new Map(steps.map((s) => [s.name, s]));
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const d = Math.max(-1, ...(byName.get(name)?.after ?? []).filter((a) => byName.has(a)).map((a) => depthOf(a, seen))) + 1;
    depth.set(name, d);
    return d;
  };
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const s of steps) {
    const d = depthOf(s.name, new Set());
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    at.set(s.name, { x: d * gap.x, y: row * gap.y });
  }
  return at;
}
