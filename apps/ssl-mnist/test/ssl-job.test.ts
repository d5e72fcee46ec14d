import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Digits } from '@simkit/hello-mnist/dist/mnist-data.js';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { selectBackend } from '@simkit/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli-options.js';
import { REPORT_SECTIONS } from '../src/report.js';
import { DEFAULT_SETTINGS, buildNetworks, knnAccuracy, runSsl } from '../src/ssl-job.js';

beforeAll(async () => {
  await selectBackend();
});

const TINY = { ...DEFAULT_SETTINGS, steps: 6, evalEvery: 3, batchSize: 16, testSize: 100, referencesPerClass: 2 };

/** Digits of 784 values, each with one bright pixel at its place in `where`. */
function digits(where: number[], labels: number[]): Digits {
  const x = new Float32Array(where.length * 784);
  where.forEach((p, i) => {
    x[i * 784 + p] = 1;
  });
  return { x, y: Int32Array.from(labels), rows: where.length };
}

describe('the kNN probe', () => {
  it('with the identity as backbone, each test digit takes the label of the reference it equals', async () => {
    const identity = sequential({ layers: [layers.flatten({ inputShape: [28, 28, 1] })] });
    // References: pixel 10 → class 0, pixel 500 → class 1. Tests: pixels 10, 500, 500 with labels
    // 0, 1, 0: the first two are right, the third's nearest reference is class 1 → 2/3.
    const accuracy = await knnAccuracy(identity, digits([10, 500], [0, 1]), digits([10, 500, 500], [0, 1, 0]));
    expect(accuracy).toBeCloseTo(2 / 3, 10);
  });

  it('initial weights come from the seed', () => {
    const weights = (seed: number) => Array.from(buildNetworks('mlp', seed).backbone.getWeights()[0]?.dataSync() ?? []);
    expect(weights(3)).toEqual(weights(3));
    expect(weights(3)).not.toEqual(weights(4));
  });

  it('builds the projector with the widths it is given: 64 → hidden → output (default 64 → 32)', () => {
    const { projector } = buildNetworks('mlp', 0, [16, 8]);
    expect(projector.getWeights().map((w) => w.shape)).toEqual([[64, 16], [16], [16, 8], [8]]);
    expect(buildNetworks('mlp', 0).projector.outputShape).toEqual([null, 32]);
  });
});

describe('a tiny run', () => {
  it('measures the random-weights baseline, pre-trains, and probes along the way; the same seed repeats it', async () => {
    const a = await runSsl(TINY);
    expect(a.curve.map((p) => p.step)).toEqual([3, 6]);
    expect(a.loss).toHaveLength(6);
    expect(a.loss.every(Number.isFinite)).toBe(true);
    for (const v of [a.baseline, ...a.curve.map((p) => p.accuracy)]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(a.finalAccuracy).toBe(a.curve[1]?.accuracy);
    expect(a.references).toBe(20);
    const b = await runSsl(TINY);
    expect(b.baseline).toBe(a.baseline);
    expect(b.loss).toEqual(a.loss);
  });

  it('the command writes a report with its sections and a summary', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ssl-mnist-'));
    try {
      const main = join(import.meta.dirname, '..', 'dist', 'main.js');
      const args = [
        '--steps',
        '4',
        '--eval-every',
        '2',
        '--batch',
        '16',
        '--test',
        '60',
        '--references',
        '1',
        '--out',
        out,
      ];
      const { stdout } = await promisify(execFile)(process.execPath, [main, ...args]);
      expect(stdout).toContain('kNN accuracy');
      const html = await readFile(join(out, 'report.html'), 'utf8');
      for (const section of REPORT_SECTIONS) expect(html).toContain(`<h2>${section}</h2>`);
      expect(html).not.toContain('<script');
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
      expect(summary.curve).toHaveLength(2);
      expect(summary.gainPoints).toBeCloseTo((summary.finalAccuracy - summary.baselineAccuracy) * 100, 10);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('command line', () => {
  it('reads the options and refuses bad ones with a message', () => {
    const c = parseArgs(['--algorithm', 'barlow', '--steps', '10', '--eval-every', '50', '--lr', '0.01'], '/o');
    expect(c.settings).toMatchObject({ algorithm: 'barlow', steps: 10, evalEvery: 10, learningRate: 0.01 });
    expect(parseArgs(['--quick'], '/o').settings.steps).toBe(40);
    // Barlow Twins gets its own projector and learning rate unless they are given.
    expect(parseArgs([], '/o').settings).toMatchObject({ projector: [64, 32], learningRate: 0.003 });
    expect(parseArgs(['--algorithm', 'barlow'], '/o').settings).toMatchObject({
      projector: [256, 256],
      learningRate: 0.001,
    });
    expect(parseArgs(['--algorithm', 'barlow', '--quick'], '/o').settings.projector).toEqual([256, 256]);
    expect(parseArgs(['--algorithm', 'barlow', '--projector', '128,64'], '/o').settings.projector).toEqual([128, 64]);
    for (const bad of ['64', '64,0', '64,32,16', '64,x', '']) {
      expect(() => parseArgs(['--projector', bad], '/o'), bad).toThrow(/--projector needs two unit counts/);
    }
    for (const bad of [['--algorithm', 'byol'], ['--steps', '0'], ['--lr', '-1'], ['--backbone', 'vit'], ['--nope']]) {
      expect(() => parseArgs(bad, '/o'), bad.join(' ')).toThrow();
    }
  });
});
