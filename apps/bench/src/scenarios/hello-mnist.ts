import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Scenario, printTable, writeResults } from '../harness.js';
import { appEntry, runApp } from './app-run.js';

interface AppSummary {
  readonly f1: number;
  readonly f1Target: number;
  readonly wallSeconds: number;
  readonly timeTargetSeconds: number;
  readonly backend: string;
  readonly testF1: number;
  readonly reloadOk: boolean;
  readonly timingsSeconds: Record<string, number>;
  readonly settings: Record<string, unknown>;
}

/** Runs the app once with `args` and reads its summary; returns it with the process's own wall time. */
async function runOnce(app: string, args: string[]): Promise<{ summary: AppSummary; processSeconds: number }> {
  const out = mkdtempSync(join(tmpdir(), 'hello-mnist-bench-'));
  try {
    const t0 = performance.now();
    const code = await runApp(app, ['--out', out, ...args]);
    const processSeconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`hello-mnist ${args.join(' ')} exited with code ${code}`);
    return { summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as AppSummary, processSeconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Runs the main job (`pnpm start`) end to end in a child process, with its default settings
 * (or `--quick`), once with the default hybrid features and once with `--features learned` (a
 * trained conv net alone, no fixed or hand-made features), and records the optimal calibrated F1
 * and the wall time against the targets.
 */
export const helloMnist: Scenario = {
  name: 'hello-mnist',
  description:
    'the main job end to end (hybrid and learned features): calibrated F1 and wall time on real MNIST digits',
  async run({ quick }) {
    const app = appEntry('hello-mnist');
    const variants: Record<string, unknown> = {};
    for (const features of ['hybrid', 'learned'] as const) {
      const { summary, processSeconds } = await runOnce(app, ['--features', features, ...(quick ? ['--quick'] : [])]);
      printTable(
        `hello-mnist --features ${features} (${quick ? 'quick' : 'default'} run, ${summary.backend} backend)`,
        [
          {
            measure: 'optimal calibrated F1',
            value: summary.f1,
            target: `≥ ${summary.f1Target}`,
            met: summary.f1 >= summary.f1Target ? 'yes' : 'no',
          },
          { measure: 'F1 on test digits', value: summary.testF1, target: '', met: '' },
          {
            measure: 'wall time (s)',
            value: processSeconds,
            target: `≤ ${summary.timeTargetSeconds}`,
            met: processSeconds <= summary.timeTargetSeconds ? 'yes' : 'no',
          },
          {
            measure: 'reload identical',
            value: summary.reloadOk ? 'yes' : 'no',
            target: 'yes',
            met: summary.reloadOk ? 'yes' : 'no',
          },
        ],
      );
      printTable(
        'phases (s)',
        Object.entries(summary.timingsSeconds).map(([phase, seconds]) => ({ phase, seconds })),
      );
      variants[features] = {
        backend: summary.backend,
        f1: summary.f1,
        f1Target: summary.f1Target,
        testF1: summary.testF1,
        wallSeconds: processSeconds,
        appWallSeconds: summary.wallSeconds,
        timeTargetSeconds: summary.timeTargetSeconds,
        reloadOk: summary.reloadOk,
        timingsSeconds: summary.timingsSeconds,
        settings: summary.settings,
      };
    }
    const file = writeResults('hello-mnist', { quick, variants });
    console.log(`\nwrote ${file}`);
  },
};
