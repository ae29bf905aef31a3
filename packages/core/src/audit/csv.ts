/**
 * The RFC 4180 subset the audit export needs: every field quoted when it holds a comma,
 * quote, CR or LF; quotes doubled; rows end in LF. Small enough to own, so the core
 * stays free of a stream-based CSV library that would not run in workerd.
 */

const NEEDS_QUOTES = /[",\r\n]/;

export const csvField = (value: string): string => (NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export const csvRow = (fields: readonly string[]): string => fields.map(csvField).join(',');

/** Rows of fields, each with the 1-based line it starts on. Throws on an unterminated quote. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let any = false;
  const endRow = () => {
    fields.push(field);
    if (any || fields.length > 1 || field !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    any = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        if (c === '\n') line++;
        field += c;
        i++;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
      any = true;
      i++;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      any = true;
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') i++;
    else if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error(`line ${rowLine}: a quoted field is never closed`);
  if (field !== '' || fields.length > 0 || any) endRow();
  return rows;
}
