#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs, USAGE } from './cli-options.js';
import { GAIN_TARGET_POINTS, renderReport, TIME_TARGET_S } from './report.js';
import { runSsl } from './ssl-job.js';

async function main(): Promise<number> {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(process.argv.slice(2), join(import.meta.dirname, '..', 'output'));
  } catch (error) {
    console.error(`ssl-mnist: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command.help) {
    console.log(USAGE);
    return 0;
  }
  const { settings, outDir } = command;
  const tenth = Math.max(1, Math.round(settings.steps / 10));
  const result = await runSsl(settings, {
    log: (line) => console.log(line),
    onStep: (step, loss) => {
      if (step % tenth === 0) console.log(`  step ${step}/${settings.steps}  loss ${loss.toFixed(4)}`);
    },
  });
  // performance.now() counts from process start: loading tfjs and the data included.
  const wallSeconds = performance.now() / 1000;
  await mkdir(outDir, { recursive: true });
  const gain = (result.finalAccuracy - result.baseline) * 100;
  const summary = {
    algorithm: settings.algorithm,
    backbone: settings.backbone,
    baselineAccuracy: result.baseline,
    finalAccuracy: result.finalAccuracy,
    gainPoints: gain,
    gainTargetPoints: GAIN_TARGET_POINTS,
    wallSeconds,
    timeTargetSeconds: TIME_TARGET_S,
    curve: result.curve,
    settings,
    backend: result.backend,
    timingsSeconds: Object.fromEntries(Object.entries(result.timingsMs).map(([k, v]) => [k, v / 1000])),
  };
  await writeFile(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(outDir, 'report.html'), renderReport(result, wallSeconds));
  const show = (p: string) => relative(process.cwd(), p) || p;
  console.log(
    `\nOutputs:\n  report   ${show(join(outDir, 'report.html'))}\n  summary  ${show(join(outDir, 'summary.json'))}`,
  );
  console.log(
    `kNN accuracy ${(result.baseline * 100).toFixed(1)}% with random weights → ${(result.finalAccuracy * 100).toFixed(1)}% after ${settings.steps} steps of ${settings.algorithm}: ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} points (target ≥ ${GAIN_TARGET_POINTS}: ${gain >= GAIN_TARGET_POINTS ? 'met' : 'not met'}); wall time ${wallSeconds.toFixed(1)} s (target ≤ ${TIME_TARGET_S} s: ${wallSeconds <= TIME_TARGET_S ? 'met' : 'not met'})`,
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
