#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatCutpoints, formatMetrics } from '@simkit/evaluators';
import { parseArgs, USAGE } from './cli-options.js';
import { F1_TARGET, TIME_TARGET_S, summaryJson, summaryText } from './summary.js';
import { runJob } from './hello-mnist-job.js';
import { progressView } from './progress-view.js';

async function main(): Promise<number> {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(process.argv.slice(2), join(import.meta.dirname, '..', 'output'));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (command.help) {
    console.log(USAGE);
    return 0;
  }
  const view = progressView();
  const result = await runJob(command.settings, {
    onProgress: view.onProgress,
    log: (line) => {
      view.end();
      console.log(line);
    },
  });
  view.end();
  // performance.now() counts from process start, so this includes loading modules and the wasm runtime.
  const wallSeconds = performance.now() / 1000;
  console.log(`\n${summaryText(result, wallSeconds, { formatCutpoints, formatMetrics })}`);
  const summaryPath = join(result.paths.outDir, 'summary.json');
  await writeFile(summaryPath, `${JSON.stringify(summaryJson(result, wallSeconds), null, 2)}\n`);
  const show = (p: string) => relative(process.cwd(), p) || p;
  console.log(
    `\nOutputs:\n  report   ${show(result.paths.report)}\n  model    ${show(result.paths.model)}/ (one atomic save: model.json, weights.bin, index/)\n  summary  ${show(summaryPath)}`,
  );
  if (!result.reload.ok) {
    console.error(`\nRELOAD CHECK FAILED: ${result.reload.problems.join('; ')}`);
    return 1;
  }
  console.log(`\nReload check: OK (lookups and matches identical on ${result.reload.queries} queries)`);
  const f1Met = result.f1 >= F1_TARGET;
  const timeMet = wallSeconds <= TIME_TARGET_S;
  console.log(
    `Optimal calibrated F1 ${result.f1.toFixed(4)} (target ≥ ${F1_TARGET}: ${f1Met ? 'met' : 'not met'}); wall time ${wallSeconds.toFixed(1)} s (target ≤ ${TIME_TARGET_S} s: ${timeMet ? 'met' : 'not met'})`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
