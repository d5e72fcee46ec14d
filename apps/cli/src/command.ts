import type { Readable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Logger, ProgressHandler } from '@simkit/core';
import { UsageError } from './errors.js';
import { INPUT_FORMATS, type InputFormat, type ReadOptions } from './inputs.js';
import { OUTPUT_FORMATS, type OutputFormat } from './outputs.js';

/** A stream the command writes to: `process.stdout`, or anything with `write(text)`. */
export interface OutputStream {
  /** Writes `text` as is. */
  write(text: string): unknown;
  /** True on a terminal (progress bars are drawn only there). */
  readonly isTTY?: boolean;
}

/** The streams and environment a command runs with (process's own in the binary, others in tests). */
export interface CliIO {
  /** Where results go. */
  readonly stdout: OutputStream;
  /** Where status lines, progress bars (when `isTTY`) and errors go. */
  readonly stderr: OutputStream;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One option of a command: parseArgs' description plus the help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder in the help, e.g. `DIR`. */
  readonly value?: string;
  readonly help: string;
}

/** What a command gets when it runs. */
export interface CommandContext {
  readonly io: CliIO;
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly format: OutputFormat;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly logger: Logger;
  readonly onProgress: ProgressHandler;
  /** Options for reading input files (stdin, --input-format, columns). */
  readonly read: ReadOptions;
  /** Writes a status line to stderr unless --quiet. */
  status(message: string): void;
}

/** A subcommand of `simkit`. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage line after `simkit <name>`, e.g. `<index-dir> <queries> [options]`. */
  readonly usage: string;
  /** Positional arguments: the fewest and most. */
  readonly positionals: readonly [number, number];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Text after the options in `--help`: details and examples. */
  readonly details?: string;
  run(ctx: CommandContext): Promise<void>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  format: {
    type: 'string',
    short: 'f',
    value: 'FMT',
    help: `output format: ${OUTPUT_FORMATS.join(', ')} (default table)`,
  },
  json: { type: 'boolean', help: 'same as --format json' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress or status lines on stderr' },
  verbose: { type: 'boolean', short: 'v', help: 'log details to stderr, and show the stack of an error' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Options of commands that read embeddings or inputs. */
export const INPUT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'input-format': {
    type: 'string',
    value: 'FMT',
    help: `format of the inputs: ${INPUT_FORMATS.join(', ')} (default auto: from the extension, or sniffed on stdin)`,
  },
  'label-column': {
    type: 'string',
    value: 'COL',
    help: 'CSV column with labels (name, or 0-based index without a header; default "label")',
  },
  'data-column': { type: 'string', value: 'COL', help: 'CSV column with record data (default "data")' },
};

/** Parses `argv` for `command`: UsageError on unknown options, missing values or a wrong count of arguments. */
export function parseCommand(
  command: Command,
  argv: readonly string[],
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const all = { ...command.options, ...COMMON_OPTIONS };
  const config: ParseArgsConfig = {
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      Object.entries(all).map(([name, o]) => [
        name,
        { type: o.type, ...(o.short !== undefined && { short: o.short }), ...(o.multiple && { multiple: true }) },
      ]),
    ),
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.'),
      command.name,
    );
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help === true) return { values, positionals: parsed.positionals };
  const [min, max] = command.positionals;
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new UsageError(
      `'simkit ${command.name}' takes ${expected} argument${max === 1 ? '' : 's'} (${command.usage}); got ${n}.`,
      command.name,
    );
  }
  return { values, positionals: parsed.positionals };
}

/** The `--help` text of a command. */
export function commandHelp(command: Command): string {
  const all = { ...command.options, ...COMMON_OPTIONS };
  const left = Object.entries(all).map(([name, o]) => {
    const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${name}${o.value !== undefined ? ` ${o.value}` : ''}`;
    return [flag, o.help + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...left.map(([f]) => f.length));
  const lines = [
    `simkit ${command.name} — ${command.summary}`,
    '',
    `Usage: simkit ${command.name} ${command.usage}`,
    '',
    'Options:',
    ...left.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
  ];
  if (command.details) lines.push('', command.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** A string option, or undefined. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An integer option within [min, max], or the default. */
export function intOption(ctx: CommandContext, name: string, fallback: number, min?: number, max?: number): number;
export function intOption(
  ctx: CommandContext,
  name: string,
  fallback: undefined,
  min?: number,
  max?: number,
): number | undefined;
export function intOption(
  ctx: CommandContext,
  name: string,
  fallback: number | undefined,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = stringOption(ctx, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} ${v}: expected an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}.`,
    );
  }
  return n;
}

/** A number option, or the default. */
export function numberOption(ctx: CommandContext, name: string): number | undefined {
  const v = stringOption(ctx, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} ${v}: expected a number.`);
  return n;
}

/** The output format from --format / --json. */
export function outputFormat(values: Readonly<Record<string, unknown>>): OutputFormat {
  if (values.json === true) {
    if (values.format !== undefined && values.format !== 'json')
      throw new UsageError('--json and --format disagree; give one.');
    return 'json';
  }
  const f = (values.format as string | undefined) ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--format ${f}: use one of ${OUTPUT_FORMATS.join(', ')}.`);
  }
  return f as OutputFormat;
}

/** The input format from --input-format. */
export function inputFormat(values: Readonly<Record<string, unknown>>): InputFormat {
  const f = (values['input-format'] as string | undefined) ?? 'auto';
  if (!(INPUT_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--input-format ${f}: use one of ${INPUT_FORMATS.join(', ')}.`);
  }
  return f as InputFormat;
}
