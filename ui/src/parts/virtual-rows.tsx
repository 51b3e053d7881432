import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';

/** Rows drawn beyond each edge of the visible window, so a quick scroll does not show blank rows. */
const OVERSCAN = 20;
/** Until a row has been measured: the height of a one-line row in the stylesheet. */
const FIRST_GUESS = 26;

export interface RowWindow {
  /** the scrolling element: give it a bounded height (`.table-wrap`) */
  ref: RefObject<HTMLDivElement | null>;
  /** the rows to draw: [start, end) */
  start: number;
  end: number;
  /** spacer rows standing in for the rows above and below the window */
  before: ReactNode;
  after: ReactNode;
}

function Spacer({ height, span }: { height: number; span: number }) {
  return height > 0 ? (
    <tr className="spacer" aria-hidden="true">
      <td colSpan={span} style={{ height, padding: 0, border: 0 }} />
    </tr>
  ) : null;
}

/**
 * Draw only the rows of a long table that are in (or near) view of its scrolling container: a table of any length costs the
 * rows on screen, and its scrollbar stays true (spacer rows keep the full height). Rows are taken to be as tall as the first
 * one drawn (tables using this keep their cells to one line).
 */
export function useRowWindow(count: number, columns: number): RowWindow {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, row: FIRST_GUESS });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const row = el.querySelector('tbody tr:not(.spacer)')?.getBoundingClientRect().height;
      setView((v) => {
        const next = { top: el.scrollTop, height: el.clientHeight || v.height, row: row && row > 0 ? row : v.row };
        return next.top === v.top && next.height === v.height && next.row === v.row ? v : next;
      });
    };
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    const resized = new ResizeObserver(measure);
    resized.observe(el);
    return () => {
      el.removeEventListener('scroll', measure);
      resized.disconnect();
    };
  }, [count]);
  const start = Math.max(0, Math.min(count, Math.floor(view.top / view.row) - OVERSCAN));
  const end = Math.min(count, Math.ceil((view.top + view.height) / view.row) + OVERSCAN);
  return {
    ref,
    start,
    end,
    before: <Spacer height={start * view.row} span={columns} />,
    after: <Spacer height={(count - end) * view.row} span={columns} />,
  };
}
