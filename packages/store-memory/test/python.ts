import { spawnSync } from 'node:child_process';

/**
 * Runs a Python script with arguments and parses the JSON it prints. The tests that use it
 * need python3 with NumPy (CI installs Debian's python3-numpy); without them they fail.
 */
export function runPython(script: string, ...args: string[]): unknown {
  const result = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}
