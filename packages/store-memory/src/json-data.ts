import { checkData } from '@simkit/core';

/**
 * Checks per-record data (core's `checkData` refuses anything JSON cannot hold unchanged)
 * and returns each entry as JSON text (null for none).
 * Keeping the text, not the object, makes the stored record immune to later
 * changes of the caller's object and is exactly what `data.jsonl` holds.
 */
export function toJsonTexts(data: ArrayLike<unknown> | null | undefined, rows: number): Array<string | null> | null {
  const checked = checkData(data, rows);
  if (checked === null) return null;
  const out = new Array<string | null>(rows);
  for (let i = 0; i < rows; i++) {
    const value = checked[i];
    if (value === null) {
      out[i] = null;
      continue;
    }
    out[i] = JSON.stringify(value);
  }
  return out;
}

/** Parses stored JSON text back into a fresh value. */
export function fromJsonText(text: string | null | undefined): unknown {
  return text === null || text === undefined ? null : JSON.parse(text);
}
