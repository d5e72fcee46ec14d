import { readFileSync } from 'node:fs';
import { type Logger, noProgress, type ProgressHandler, SimkitError } from '@simkit/core';
import {
  type CliIO,
  type Command,
  type CommandContext,
  commandHelp,
  inputFormat,
  outputFormat,
  parseCommand,
} from './command.js';
import { importCommand } from './commands/import-command.js';
import { indexCommand } from './commands/index-command.js';
import {
  calibrateCommand,
  evaluateCommand,
  infoCommand,
  lookupCommand,
  matchCommand,
} from './commands/query-commands.js';
import { serveCommand } from './commands/serve-command.js';
import { EXIT, isUsageError } from './errors.js';

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  indexCommand,
  lookupCommand,
  matchCommand,
  calibrateCommand,
  evaluateCommand,
  infoCommand,
  serveCommand,
  importCommand,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `simkit — similarity search from the command line: index embeddings, look up, calibrate, match, serve

Usage: simkit <command> [arguments] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'simkit <command> --help' for a command's arguments and options.
Options of every command: --format table|json|csv, --json, --quiet, --verbose, --help.
Exit codes: 0 success, 1 failure, 2 wrong usage.
`;
}

/** A logger writing to stderr: warnings and errors unless quiet, everything with --verbose. */
function stderrLogger(io: CliIO, quiet: boolean, verbose: boolean): Logger {
  return {
    log(level, message) {
      if (verbose || (!quiet && (level === 'warn' || level === 'error'))) io.stderr.write(`${level}: ${message}\n`);
    },
  };
}

/** Progress bars on stderr, only on a terminal and without --quiet. */
async function progress(io: CliIO, quiet: boolean): Promise<{ onProgress: ProgressHandler; end(): void }> {
  if (quiet || io.stderr.isTTY !== true) return { onProgress: noProgress, end() {} };
  const { terminalProgress } = await import('@simkit/model');
  return terminalProgress(io.stderr);
}

/** The one line an error is shown as (the stack too with --verbose). */
function errorText(error: unknown, command: string | undefined, verbose: boolean): string {
  const prefix = command === undefined ? 'simkit' : `simkit ${command}`;
  if (SimkitError.isInstance(error)) {
    const line = `${prefix}: ${error.code}: ${error.message}`;
    return verbose ? `${line}\n${error.stack ?? ''}\n` : `${line}\n`;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const line = `${prefix}: ${e.message}`;
  return verbose ? `${line}\n${e.stack ?? ''}\n` : `${line}\n(run with --verbose for details)\n`;
}

/** Runs `simkit` with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? commandHelp(topic) : mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(
      `simkit: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'simkit --help'.\n`,
    );
    return EXIT.usage;
  }
  const verbose = rest.includes('--verbose') || rest.includes('-v');
  let end = () => {};
  try {
    const { values, positionals } = parseCommand(command, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const quiet = values.quiet === true;
    const format = outputFormat(values);
    const bar = await progress(io, quiet);
    end = bar.end;
    const ctx: CommandContext = {
      io,
      positionals,
      values,
      format,
      quiet,
      verbose,
      logger: stderrLogger(io, quiet, verbose),
      onProgress: bar.onProgress,
      read: {
        format: inputFormat(values),
        stdin: io.stdin,
        ...(typeof values['label-column'] === 'string' && { labelColumn: values['label-column'] }),
        ...(typeof values['data-column'] === 'string' && { dataColumn: values['data-column'] }),
      },
      status: (message) => {
        if (!quiet) {
          bar.end();
          io.stderr.write(`${message}\n`);
        }
      },
    };
    await command.run(ctx);
    end();
    return EXIT.ok;
  } catch (error) {
    end();
    if (isUsageError(error)) {
      io.stderr.write(`simkit ${command.name}: ${error.message}\nRun 'simkit ${command.name} --help' for usage.\n`);
      return EXIT.usage;
    }
    io.stderr.write(errorText(error, command.name, verbose));
    return EXIT.failure;
  }
}
