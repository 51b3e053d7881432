import type { ReactNode } from 'react';

/** The list beside a page's content (models, runs, datasets): one button per item, the chosen one marked. */
export function PickList<T>({ items, keyOf, chosen, onPick, label }: { items: T[]; keyOf: (item: T) => string; chosen: string | null; onPick: (key: string) => void; label: (item: T) => ReactNode }) {
  return (
    <ul className="model-list">
      {items.map((item) => {
        const key = keyOf(item);
        return (
          <li key={key}>
            <button type="button" className={key === chosen ? 'current' : ''} onClick={() => onPick(key)}>
              {label(item)}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
