import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The entry point of a sample app under apps/, built by `pnpm --filter @simkit/<app>... build`. */
export function appEntry(app: string): string {
  const entry = join(import.meta.dirname, '..', '..', '..', app, 'dist', 'main.js');
  if (!existsSync(entry))
    throw new Error(`${entry} is missing; build the app first: pnpm --filter @simkit/${app}... build`);
  return entry;
}

/** Runs a sample app in a child process (its stderr shown, stdout dropped); resolves to its exit code. */
export function runApp(entry: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
