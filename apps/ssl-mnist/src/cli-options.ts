import { parseArgs as parse } from 'node:util';
import { BARLOW_DEFAULTS, type Backbone, DEFAULT_SETTINGS, defaultsFor, type SslSettings } from './ssl-job.js';

export const USAGE = `ssl-mnist: self-supervised pre-training on MNIST digits, then a kNN probe against random weights

usage: pnpm --filter @simkit/ssl-mnist start -- [options]

  --algorithm A      simclr (default) or barlow
  --backbone B       mlp (default) or conv
  --steps N          pre-training steps (default ${DEFAULT_SETTINGS.steps})
  --batch N          digits per batch, two views each (default ${DEFAULT_SETTINGS.batchSize})
  --lr X             adam learning rate (default ${DEFAULT_SETTINGS.learningRate}; barlow ${BARLOW_DEFAULTS.learningRate})
  --projector H,P    projector: hidden ReLU units, output units (default ${DEFAULT_SETTINGS.projector.join(',')}; barlow ${BARLOW_DEFAULTS.projector.join(',')})
  --eval-every N     kNN probe every N steps (default ${DEFAULT_SETTINGS.evalEvery})
  --references N     labelled reference digits per class (default ${DEFAULT_SETTINGS.referencesPerClass})
  --test N           held-out test digits (default ${DEFAULT_SETTINGS.testSize})
  --seed N           split, batches, augmentation and initial weights (default ${DEFAULT_SETTINGS.seed})
  --quick            a smoke run in seconds (40 steps, 300 test digits)
  --out DIR          where report.html and summary.json go (default apps/ssl-mnist/output)
  -h, --help`;

export interface Command {
  readonly help: boolean;
  readonly settings: SslSettings;
  readonly outDir: string;
}

function integer(text: string | undefined, name: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs an integer ≥ ${min}; got ${text}.`);
  return n;
}

/** Reads the command line; throws an Error whose message says what is wrong. */
export function parseArgs(argv: readonly string[], defaultOut: string): Command {
  const { values } = parse({
    args: argv.filter((a) => a !== '--'),
    options: {
      algorithm: { type: 'string' },
      backbone: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      projector: { type: 'string' },
      'eval-every': { type: 'string' },
      references: { type: 'string' },
      test: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const algorithm = values.algorithm ?? DEFAULT_SETTINGS.algorithm;
  if (algorithm !== 'simclr' && algorithm !== 'barlow')
    throw new Error(`--algorithm must be simclr or barlow; got ${algorithm}.`);
  const backbone = (values.backbone ?? DEFAULT_SETTINGS.backbone) as Backbone;
  if (backbone !== 'mlp' && backbone !== 'conv') throw new Error(`--backbone must be mlp or conv; got ${backbone}.`);
  const lr = values.lr === undefined ? undefined : Number(values.lr);
  if (lr !== undefined && !(Number.isFinite(lr) && lr > 0))
    throw new Error(`--lr needs a number > 0; got ${values.lr}.`);
  const defaults = defaultsFor(algorithm);
  const base: SslSettings = values.quick ? { ...defaults, steps: 40, evalEvery: 20, testSize: 300 } : defaults;
  let projector = base.projector;
  if (values.projector !== undefined) {
    const units = values.projector.split(',').map(Number);
    if (units.length !== 2 || !units.every((u) => Number.isInteger(u) && u >= 1)) {
      throw new Error(
        `--projector needs two unit counts ≥ 1, hidden and output, e.g. 512,512; got ${values.projector}.`,
      );
    }
    projector = units as [number, number];
  }
  const steps = integer(values.steps, 'steps', 1) ?? base.steps;
  const settings: SslSettings = {
    ...base,
    algorithm,
    backbone,
    steps,
    batchSize: integer(values.batch, 'batch', 2) ?? base.batchSize,
    learningRate: lr ?? base.learningRate,
    projector,
    evalEvery: Math.min(integer(values['eval-every'], 'eval-every', 1) ?? base.evalEvery, steps),
    referencesPerClass: integer(values.references, 'references', 1) ?? base.referencesPerClass,
    testSize: integer(values.test, 'test', 10) ?? base.testSize,
    seed: integer(values.seed, 'seed', 0) ?? base.seed,
  };
  return { help: values.help, settings, outDir: values.out ?? defaultOut };
}
