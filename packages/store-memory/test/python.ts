import { spawnSync } from 'node:child_process';

/** True when `python3` runs here and can import numpy. */
export const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** Runs a Python script with arguments and parses the JSON it prints. */
export function runPython(script: string, ...args: string[]): unknown {
  const result = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}
