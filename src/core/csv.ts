/** One CSV field as written: quoted (with doubled quotes) when it holds a comma, a quote or a line break. */
export function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
