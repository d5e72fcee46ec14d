/** A value of the small Python literal subset found in `.npy` headers. */
export type PythonLiteral = string | number | boolean | null | PythonLiteral[] | { [key: string]: PythonLiteral };

/** Thrown for text that is not a literal of the supported subset; callers turn it into their own error. */
export class PythonLiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythonLiteralError';
  }
}

/**
 * Parses the Python literal subset `.npy` headers use: dicts with string keys,
 * tuples and lists (both become arrays), quoted strings, integers (an old `L`
 * suffix is accepted), `True`, `False` and `None`. Nothing is evaluated.
 */
export function parsePythonLiteral(text: string): PythonLiteral {
  const parser = new LiteralParser(text);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the literal');
  return value;
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(what: string): never {
    throw new PythonLiteralError(`${what} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  value(): PythonLiteral {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of text');
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.integer();
    for (const [word, v] of KEYWORDS) {
      if (this.text.startsWith(word, this.pos) && !/\w/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) this.fail(`expected ${JSON.stringify(c)}`);
    this.pos++;
  }

  /** Consumes `c` when it comes next (after spaces). */
  private accept(c: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private dict(): { [key: string]: PythonLiteral } {
    this.expect('{');
    const out: { [key: string]: PythonLiteral } = Object.create(null);
    while (!this.accept('}')) {
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      if (Object.hasOwn(out, key)) this.fail(`duplicate key ${JSON.stringify(key)}`);
      this.expect(':');
      out[key] = this.value();
      if (!this.accept(',')) {
        this.expect('}');
        break;
      }
    }
    return out;
  }

  private sequence(close: ')' | ']'): PythonLiteral[] {
    this.pos++;
    const out: PythonLiteral[] = [];
    while (!this.accept(close)) {
      out.push(this.value());
      if (!this.accept(',')) {
        this.expect(close);
        break;
      }
    }
    return out;
  }

  private string(): string {
    const quote = this.text[this.pos] as string;
    this.pos++;
    let out = '';
    while (true) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.text[this.pos];
        this.pos++;
        const simple = e === undefined ? undefined : ESCAPES[e];
        if (simple === undefined) this.fail('unsupported escape in string');
        out += simple;
      } else {
        out += c;
      }
    }
  }

  private integer(): number {
    const match = /^[-+]?\d+L?/.exec(this.text.slice(this.pos));
    if (match === null) this.fail('expected an integer');
    const digits = match[0].replace('L', '');
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) this.fail(`integer ${digits} is too large`);
    // A '.' or exponent right after the digits means a float, which headers never hold.
    if (/[.eE]/.test(this.text[this.pos + match[0].length] ?? '')) this.fail('floats are not supported');
    this.pos += match[0].length;
    return n;
  }
}

const KEYWORDS: ReadonlyArray<readonly [string, PythonLiteral]> = [
  ['True', true],
  ['False', false],
  ['None', null],
];

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};
