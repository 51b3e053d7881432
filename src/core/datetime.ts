/** Calendar parts a learner sees of a timestamp (UTC): trends by year, seasons by month, cycles by weekday and hour. */
export const DATE_PARTS = ['year', 'month', 'day', 'weekday', 'hour'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** The part of an epoch-milliseconds value; NaN stays NaN. */
export function datePart(ms: number, part: DatePart): number {
  if (!Number.isFinite(ms)) return NaN;
  const d = new Date(ms);
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day':
      return d.getUTCDate();
    case 'weekday':
      return d.getUTCDay();
    case 'hour':
      return d.getUTCHours();
  }
}

/** Expand a timestamp column into its parts. */
export function dateParts(values: Float64Array, part: DatePart): Float64Array {
  return values.map((v) => datePart(v, part));
}
