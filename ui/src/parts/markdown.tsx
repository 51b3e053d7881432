import type { ReactNode } from 'react';

/**
 * The markdown of a model card as React elements: headings, bullet lists and paragraphs, with `code` and **bold** inline.
 * Everything is text to React (no HTML is parsed, links stay text), so a card cannot carry markup or script.
 */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let list: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push(<p key={blocks.length}>{inline(para.join('\n'))}</p>);
    if (list.length)
      blocks.push(
        <ul key={blocks.length}>
          {list.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </ul>,
      );
    para = [];
    list = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*+]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      // the page's own headings are h2/h3: a card's start at h4
      const level = Math.min(6, heading[1].length + 3);
      const H = `h${level}` as 'h4' | 'h5' | 'h6';
      blocks.push(<H key={blocks.length}>{inline(heading[2])}</H>);
    } else if (item) {
      if (para.length) flush();
      list.push(item[1]);
    } else if (line.trim() === '') flush();
    else {
      if (list.length) flush();
      para.push(line);
    }
  }
  flush();
  return <div className="card">{blocks}</div>;
}

function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part, i) =>
    part.startsWith('`') && part.endsWith('`') && part.length > 1 ? (
      <code key={i}>{part.slice(1, -1)}</code>
    ) : part.startsWith('**') && part.endsWith('**') && part.length > 3 ? (
      <strong key={i}>{part.slice(2, -2)}</strong>
    ) : (
      part
    ),
  );
}
