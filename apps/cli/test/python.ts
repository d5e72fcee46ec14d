import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CANDIDATES = ['python3', '/usr/bin/python3'];
let found: string | undefined;

/**
 * The first python3 (on PATH, then /usr/bin/python3) that can import NumPy. The tests that use
 * it build TensorFlow Similarity saves with NumPy; without it they fail, they are never skipped.
 */
export function python(): string {
  if (found !== undefined) return found;
  for (const exe of CANDIDATES) {
    const r = spawnSync(exe, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) {
      found = exe;
      return exe;
    }
  }
  throw new Error(
    `No python3 with NumPy was found (tried ${CANDIDATES.join(', ')}). These tests build TensorFlow Similarity saves with NumPy: install it, e.g. apt-get install python3-numpy on Debian.`,
  );
}

/** Runs a Python script given as text with arguments and parses the JSON it prints. */
export function runPython(script: string, ...args: string[]): unknown {
  const r = spawnSync(python(), ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs a script of test/fixtures with arguments and parses the JSON it prints. */
export function runFixture(name: string, ...args: string[]): unknown {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const r = spawnSync(python(), [file, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 ${name} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
