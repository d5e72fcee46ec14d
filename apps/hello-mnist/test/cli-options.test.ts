import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli-options.js';
import { defaultSettings } from '../src/hello-mnist-job.js';

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

  it('reads --shape-features, --shape-weight in [0, 1), --pixel-blur and --no-deskew', () => {
    expect(settings(['--shape-weight', '0']).architecture.shapeWeight).toBe(0);
    expect(settings(['--shape-weight=0.25']).architecture.shapeWeight).toBe(0.25);
    expect(settings(['--shape-features', 'pixels']).architecture.shapeFeatures).toBe('pixels');
    expect(settings([]).architecture.shapeFeatures).toBe('gradients');
    expect(() => parseArgs(['--shape-features', 'edges'], '/out')).toThrow(/gradients or pixels/);
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
});
