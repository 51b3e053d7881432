/*
 * The types a pipeline step's ports carry, and which may feed which. Free of imports so that the web UI's designer refuses a
 * connection by the same rule the compiler applies.
 */

export const PORT_TYPES = ['string', 'number', 'boolean', 'json', 'file', 'model', 'list'] as const;
export type PortType = (typeof PORT_TYPES)[number];

/** Whether an output of type `actual` (null: only known when the run gets there) may feed an input of type `expected`. */
export function portAccepts(actual: PortType | null, expected: PortType): boolean {
  return actual === null || expected === 'json' || actual === 'json' || actual === expected;
}
