import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli-options.js';
import { defaultSettings } from '../src/hello-mnist-job.js';
import { featuresVariant } from '../src/report-html.js';

const settings = (argv: string[]) => {
  const c = parseArgs(argv, '/out');
  if (c.help) throw new Error('expected settings');
  return c.settings;
};

describe('parseArgs', () => {
  it('defaults to the tuned settings and the given output directory', () => {
    expect(settings([])).toEqual({ ...defaultSettings, outDir: '/out' });
  });

  it('reads --epochs, --steps, --seed, --lr, --backend and --out, also as --flag=value', () => {
    const s = settings(['--epochs', '3', '--steps=50', '--seed', '9', '--lr', '0.0005', '--backend=cpu', '--out', 'x']);
    expect([s.epochs, s.stepsPerEpoch, s.seed, s.learningRate, s.backend, s.outDir]).toEqual([
      3,
      50,
      9,
      0.0005,
      'cpu',
      'x',
    ]);
  });

  it('reads --conv as trained conv layers that replace the fixed conv', () => {
    const a = settings(['--conv', '16,32']).architecture;
    expect([a.stemFilters, a.convFilters, a.hidden]).toEqual([0, [16, 32], defaultSettings.architecture.hidden]);
    expect(() => parseArgs(['--conv', '16,x'], '/out')).toThrow(/filter counts/);
    expect(() => parseArgs(['--conv', '0'], '/out')).toThrow(/filter counts/);
    expect(() => parseArgs(['--conv'], '/out')).toThrow(/filter counts/);
  });

  it('--features learned trains a conv net alone, joined with its own conv responses: no fixed stem, no fixed features', () => {
    const a = settings(['--features', 'learned']).architecture;
    expect(a).toMatchObject({ stemFilters: 0, convFilters: [16, 32], shapeFeatures: 'conv', shapeWeight: 0.6 });
    expect(featuresVariant({ ...defaultSettings, architecture: a })).toBe('learned');
    expect(settings(['--features', 'learned', '--conv', '8']).architecture.convFilters).toEqual([8]);
    // --shape-weight sets the conv responses' share; 0 leaves the embedding alone, still learned.
    const alone = settings(['--features', 'learned', '--shape-weight', '0']).architecture;
    expect(alone).toMatchObject({ shapeFeatures: 'conv', shapeWeight: 0 });
    expect(featuresVariant({ ...defaultSettings, architecture: alone })).toBe('learned');
    expect(settings(['--features', 'learned', '--shape-features', 'conv']).architecture).toEqual(a);
    expect(settings(['--features', 'hybrid']).architecture).toEqual(defaultSettings.architecture);
    expect(featuresVariant(defaultSettings)).toBe('hybrid');
    // The fixed conv's responses are not learned features: that is still the hybrid.
    const fixedConv = settings(['--shape-features', 'conv']).architecture;
    expect(featuresVariant({ ...defaultSettings, architecture: fixedConv })).toBe('hybrid');
    for (const fixed of ['gradients', 'pixels']) {
      expect(() => parseArgs(['--features', 'learned', '--shape-features', fixed], '/out')).toThrow(
        new RegExp(`drop --shape-features ${fixed}`),
      );
    }
    expect(() => parseArgs(['--features', 'pixels'], '/out')).toThrow(/hybrid or learned/);
  });

  it('reads --shape-features, --shape-weight in [0, 1), --pixel-blur and --no-deskew', () => {
    expect(settings(['--shape-weight', '0']).architecture.shapeWeight).toBe(0);
    expect(settings(['--shape-weight=0.25']).architecture.shapeWeight).toBe(0.25);
    expect(settings(['--shape-features', 'pixels']).architecture.shapeFeatures).toBe('pixels');
    expect(settings([]).architecture.shapeFeatures).toBe('gradients');
    expect(() => parseArgs(['--shape-features', 'edges'], '/out')).toThrow(/gradients, pixels, conv/);
    expect(settings(['--no-deskew']).architecture.deskew).toBe(false);
    expect(settings(['--pixel-blur', '1']).architecture.pixelBlur).toBe(1);
    expect(() => parseArgs(['--pixel-blur', '0'], '/out')).toThrow(/integer ≥ 1/);
    expect(settings([]).architecture.deskew).toBe(true);
    for (const bad of ['1', '-0.1', 'x', '']) {
      expect(() => parseArgs(['--shape-weight', bad], '/out')).toThrow(/--shape-weight needs a number/);
    }
    expect(() => parseArgs(['--shape-weight'], '/out')).toThrow(/got nothing/);
  });

  it('ignores the bare -- that pnpm passes through', () => {
    expect(settings(['--', '--epochs', '2']).epochs).toBe(2);
  });

  it('makes --quick small unless --steps says otherwise', () => {
    expect([settings(['--quick']).stepsPerEpoch, settings(['--quick']).testSize]).toEqual([60, 300]);
    expect(settings(['--quick', '--steps', '7']).stepsPerEpoch).toBe(7);
  });

  it('shows help, and rejects unknown flags and bad numbers', () => {
    expect(parseArgs(['--help'], '/out')).toEqual({ help: true });
    expect(() => parseArgs(['--nope'], '/out')).toThrow(/Unknown option/);
    expect(() => parseArgs(['--epochs', '0'], '/out')).toThrow(/integer ≥ 1/);
    expect(() => parseArgs(['--steps'], '/out')).toThrow(/integer/);
    expect(() => parseArgs(['--backend', 'gpu'], '/out')).toThrow(/wasm, cpu/);
  });

  it('fails on anything it does not know with one line that points to --help', () => {
    const message = (argv: string[]) => {
      try {
        parseArgs(argv, '/out');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`expected ${argv.join(' ')} to fail`);
    };
    expect(message(['--nope'])).toBe('Unknown option --nope. See --help.');
    expect(message(['--epochs', '2', '-x'])).toBe('Unknown option -x. See --help.');
    expect(message(['extra'])).toBe('Unexpected argument extra: hello-mnist takes options only. See --help.');
    expect(message(['--quick=yes'])).toBe('--quick takes no value. See --help.');
    for (const argv of [['--nope'], ['extra'], ['--quick=1'], ['--lr'], ['--out', '--quick']]) {
      expect(message(argv)).not.toContain('\n');
    }
  });

  it('says what a flag needs when its value is missing or looks like another flag', () => {
    expect(() => parseArgs(['--epochs'], '/out')).toThrow('--epochs needs an integer ≥ 1; got nothing. See --help.');
    expect(() => parseArgs(['--lr'], '/out')).toThrow('--lr needs a number > 0; got nothing.');
    expect(() => parseArgs(['--out'], '/out')).toThrow('--out needs a directory.');
    expect(() => parseArgs(['--seed', '-1'], '/out')).toThrow('--seed needs an integer ≥ 0; got -1. See --help.');
    expect(() => parseArgs(['--conv', '--quick'], '/out')).toThrow(/filter counts .* got --quick\./);
    // A value the flag would take, but that starts with '-': say how to pass it.
    expect(() => parseArgs(['--out', 'a', '--out', '-dir'], '/out')).toThrow(/--out got -dir.*--out=-dir/);
    expect(settings(['--out=-dir']).outDir).toBe('-dir');
  });

  it('shows help for -h, and takes the last of a repeated flag', () => {
    expect(parseArgs(['-h'], '/out')).toEqual({ help: true });
    expect(parseArgs(['--epochs', '2', '--help'], '/out')).toEqual({ help: true });
    expect(settings(['--seed', '1', '--seed', '5']).seed).toBe(5);
  });
});
