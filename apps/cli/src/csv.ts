/**
 * A small CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF), enough for tables of
 * numbers with an optional header and label / data columns.
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    // A blank line is skipped, not read as a row of one empty field.
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field.length === 0) quoted = true;
    else if (c === delimiter) endField();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] !== '\n') endRow();
    } else field += c;
  }
  if (field.length > 0 || row.length > 0) endRow();
  return rows;
}

/** A CSV field for output: quoted when it holds the delimiter, a quote or a line break. */
export function csvField(value: string, delimiter = ','): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** True when the text is a number a table cell may hold (`1`, `-2.5e-3`, `nan` is not). */
export function isNumberCell(cell: string): boolean {
  const t = cell.trim();
  return t.length > 0 && Number.isFinite(Number(t));
}
