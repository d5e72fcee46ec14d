import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '@simkit/store-memory';
import { afterAll } from 'vitest';

/** The built binary, run as a user runs it. */
export const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

/** What a finished command left behind. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `simkit ...args` as a child process; `input` is written to its stdin. */
export function simkit(
  args: readonly string[],
  options: { input?: string | Uint8Array; cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `simkit ...args` and leaves it running (for `serve`). */
export function start(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout line of a running child. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const at = buffered.indexOf('\n');
      if (at >= 0) resolve(buffered.slice(0, at));
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing a line: ${stderr}`)));
  });
}

/** Resolves with the exit code once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/** A temporary directory removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `simkit-cli-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a float32 `.npy` of `rows` (all of one length) and returns its path. */
export function writeMatrix(path: string, rows: readonly (readonly number[])[]): string {
  const dim = (rows[0] as readonly number[]).length;
  writeFileSync(path, encodeNpy({ data: Float32Array.from(rows.flat()), shape: [rows.length, dim] }));
  return path;
}

/** Writes an int32 `.npy` of labels and returns its path. */
export function writeLabels(path: string, labels: readonly number[]): string {
  writeFileSync(path, encodeNpy({ data: Int32Array.from(labels), shape: [labels.length] }));
  return path;
}
