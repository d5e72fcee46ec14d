import { checkData, describe, invalidArgument } from '@simkit/core';

/**
 * Checks per-record data and returns each entry as JSON text (null for none).
 * Keeping the text, not the object, makes the stored record immune to later
 * changes of the caller's object and is exactly what `data.jsonl` holds.
 * Throws INVALID_ARGUMENT naming the first value JSON cannot hold unchanged.
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
    assertJson(value, `data[${i}]`, []);
    out[i] = JSON.stringify(value);
  }
  return out;
}

/** Parses stored JSON text back into a fresh value. */
export function fromJsonText(text: string | null | undefined): unknown {
  return text === null || text === undefined ? null : JSON.parse(text);
}

function assertJson(value: unknown, path: string, parents: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value}, which JSON cannot hold`);
      return;
    case 'object':
      break;
    default:
      fail(path, describe(value));
  }
  if (value === null) return;
  if (parents.includes(value)) fail(path, 'a reference back to one of its parents (a cycle)');
  parents.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // Holes and undefined would come back as null, so they are refused rather than changed.
      if (!(i in value) || value[i] === undefined) fail(`${path}[${i}]`, 'undefined');
      assertJson(value[i], `${path}[${i}]`, parents);
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail(path, `${describe(value)}; convert it to a plain object, array, string or number first`);
    }
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      // JSON drops undefined properties; so does the store.
      if (v !== undefined) assertJson(v, `${path}.${key}`, parents);
    }
  }
  parents.pop();
}

function fail(path: string, what: string): never {
  throw invalidArgument(
    `${path} is ${what}; record data must be JSON values (objects, arrays, strings, finite numbers, booleans, null).`,
    {
      path,
    },
  );
}
