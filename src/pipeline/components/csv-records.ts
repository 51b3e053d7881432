/** A CSV text's records as their raw text (quoted fields may hold commas and line breaks), and one record's fields. */
export function csvRecords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) {
      const end = i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
      if (end > start) out.push(text.slice(start, end));
      start = i + 1;
    }
  }
  if (start < text.length && text.slice(start).trim() !== '') out.push(text.slice(start).replace(/\r$/, ''));
  return out;
}

export function csvFields(record: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i];
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
