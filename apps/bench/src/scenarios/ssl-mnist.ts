import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Scenario, printTable, writeResults } from '../harness.js';
import { appEntry, runApp } from './app-run.js';

interface SslSummary {
  readonly algorithm: string;
  readonly baselineAccuracy: number;
  readonly finalAccuracy: number;
  readonly gainPoints: number;
  readonly gainTargetPoints: number;
  readonly wallSeconds: number;
  readonly timeTargetSeconds: number;
  readonly backend: string;
  readonly curve: ReadonlyArray<{ step: number; accuracy: number }>;
  readonly timingsSeconds: Record<string, number>;
  readonly settings: Record<string, unknown>;
}

/**
 * The self-supervised sample end to end (`apps/ssl-mnist`): kNN accuracy of the backbone's
 * representation with random weights and after SimCLR pre-training on unlabelled digits, in the
 * same run, against the ≥ 10-point and ≤ 5-minute targets.
 */
export const sslMnist: Scenario = {
  name: 'ssl-mnist',
  description: 'self-supervised pre-training on MNIST: kNN accuracy against the random-weights baseline, and wall time',
  async run({ quick }) {
    const app = appEntry('ssl-mnist');
    const out = mkdtempSync(join(tmpdir(), 'ssl-mnist-bench-'));
    try {
      const t0 = performance.now();
      const code = await runApp(app, ['--out', out, ...(quick ? ['--quick'] : [])]);
      const processSeconds = (performance.now() - t0) / 1000;
      if (code !== 0) throw new Error(`ssl-mnist exited with code ${code}`);
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SslSummary;
      printTable(`ssl-mnist (${quick ? 'quick' : 'default'} run, ${s.algorithm}, ${s.backend} backend)`, [
        { measure: 'kNN accuracy, random weights', value: s.baselineAccuracy, target: '', met: '' },
        { measure: 'kNN accuracy, pre-trained', value: s.finalAccuracy, target: '', met: '' },
        {
          measure: 'gain (points)',
          value: s.gainPoints,
          target: `≥ ${s.gainTargetPoints}`,
          met: s.gainPoints >= s.gainTargetPoints ? 'yes' : 'no',
        },
        {
          measure: 'wall time (s)',
          value: processSeconds,
          target: `≤ ${s.timeTargetSeconds}`,
          met: processSeconds <= s.timeTargetSeconds ? 'yes' : 'no',
        },
      ]);
      const file = writeResults('ssl-mnist', { quick, ...s, processSeconds });
      console.log(`\nwrote ${file}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
};
