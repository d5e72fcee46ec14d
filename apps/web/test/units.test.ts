// The parts of the app that need no browser: turning ink into a 28 × 28 digit, and reading the
// exported assets (served over HTTP, as the page fetches them).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '@simkit/test-servers';
import { describe, expect, it } from 'vitest';
import { loadAssets, PIXELS } from '../src/assets.js';
import { toDigit } from '../src/digit-pad.js';

function ink(width: number, height: number, filled: (x: number, y: number) => boolean): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = filled(x, y) ? 1 : 0;
  return out;
}

const at = (digit: Float32Array, x: number, y: number) => digit[y * 28 + x] as number;

describe('toDigit', () => {
  it('an empty pad is no digit', () => {
    expect(toDigit(new Float32Array(100 * 100), 100, 100)).toBeUndefined();
  });

  it('a filled square fills the 20 × 20 box in the middle, wherever it was drawn', () => {
    // 40 × 40 px of ink in a corner of a 100 × 100 pad: scale 20/40 = 0.5, so each output pixel
    // averages 2 × 2 inked pixels (= 1); the box starts at (28 − 20) / 2 = 4.
    const digit = toDigit(
      ink(100, 100, (x, y) => x < 40 && y < 40),
      100,
      100,
    ) as Float32Array;
    expect(digit).toHaveLength(PIXELS);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        expect(at(digit, x, y), `(${x}, ${y})`).toBe(x >= 4 && x < 24 && y >= 4 && y < 24 ? 1 : 0);
      }
    }
  });

  it('a tall stroke keeps its aspect ratio and is centred across', () => {
    // 10 px wide × 80 px tall at x 45..54, y 10..89: scale 20/80 = 1/4, so the stroke is 2.5
    // output pixels wide, starting at (28 − 2.5) / 2 = 12.75, and 20 tall, rows 4..23. Output
    // column 12 covers input columns 42..45 (centres in [42, 46)), of which only 45 is inked → 1/4;
    // columns 13 and 14 cover 46..49 and 50..53 → 1; column 15 covers 54..57 → 1/4.
    const digit = toDigit(
      ink(100, 100, (x, y) => x >= 45 && x < 55 && y >= 10 && y < 90),
      100,
      100,
    ) as Float32Array;
    for (let y = 0; y < 28; y++) {
      const row = Array.from({ length: 28 }, (_, x) => at(digit, x, y));
      const inBox = y >= 4 && y < 24;
      expect(row.slice(12, 16), `row ${y}`).toEqual(inBox ? [0.25, 1, 1, 0.25] : [0, 0, 0, 0]);
      expect(
        row.filter((v, x) => (x < 12 || x > 15) && v !== 0),
        `row ${y}`,
      ).toEqual([]);
    }
  });

  it('a small drawing is enlarged without holes', () => {
    // 5 × 5 px enlarged 4 times: every output pixel of the 20 × 20 box takes the input pixel under it.
    const digit = toDigit(
      ink(50, 50, (x, y) => x >= 10 && x < 15 && y >= 30 && y < 35),
      50,
      50,
    ) as Float32Array;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        expect(at(digit, x, y), `(${x}, ${y})`).toBe(x >= 4 && x < 24 && y >= 4 && y < 24 ? 1 : 0);
      }
    }
  });

  it('faint ink (≤ 0.05) does not count as the digit, and values stay within 0..1', () => {
    const pad = ink(100, 100, (x, y) => x >= 20 && x < 60 && y >= 20 && y < 60);
    pad[0] = 0.04; // a faint smudge in the corner is not part of the bounding box
    pad[20 * 100 + 20] = 3; // nor does an over-bright pixel push a value above 1
    const digit = toDigit(pad, 100, 100) as Float32Array;
    expect(at(digit, 4, 4)).toBe(1);
    expect(at(digit, 3, 3)).toBe(0);
    expect(Math.max(...digit)).toBe(1);
    expect(Math.min(...digit)).toBe(0);
  });
});

describe('loadAssets', () => {
  async function withSite(files: Record<string, string | Uint8Array>, run: (base: URL) => Promise<void>) {
    const dir = await mkdtemp(join(tmpdir(), 'simkit-web-assets-'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const site = await serveStatic(dir);
    try {
      await run(new URL(`${site.origin}/`));
    } finally {
      await site.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const manifest = {
    format: 'simkit-web-assets',
    version: 1,
    modelId: 'abc123',
    distance: 'cosine',
    dim: 2,
    count: 3,
    labels: [0, 1, null],
    calibration: {
      metric: 'f1',
      result: {
        cutpoints: { optimal: { name: 'optimal', distance: 0.5, value: 1 } },
        thresholds: { distance: [0.5], value: [1] },
      },
    },
    strip: { labels: [7] },
    files: { model: 'model/model.json', embeddings: 'e.f32', images: 'i.u8', strip: 's.u8' },
  };
  const good = {
    'assets.json': JSON.stringify(manifest),
    'e.f32': new Uint8Array(3 * 2 * 4),
    'i.u8': new Uint8Array(3 * PIXELS),
    's.u8': new Uint8Array(PIXELS),
  };

  it('reads the manifest and its files; the model URL is absolute', async () => {
    await withSite(good, async (base) => {
      const assets = await loadAssets(base);
      expect(assets.embeddings).toHaveLength(6);
      expect(assets.images).toHaveLength(3 * PIXELS);
      expect(assets.modelUrl).toBe(new URL('model/model.json', base).href);
      expect(assets.manifest.labels).toEqual([0, 1, null]);
    });
  });

  it('a build without a model is NOT_FOUND, and says to run pnpm start', async () => {
    await withSite({ 'index.html': '' }, async (base) => {
      await expect(loadAssets(base)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining('pnpm start'),
      });
    });
  });

  it('a file of the wrong size, a missing file or a foreign manifest is CORRUPT_INDEX', async () => {
    const cases: Record<string, string | Uint8Array>[] = [
      { ...good, 'e.f32': new Uint8Array(3 * 2 * 4 - 1) },
      { ...good, 's.u8': new Uint8Array(2 * PIXELS) },
      { 'assets.json': good['assets.json'], 'e.f32': good['e.f32'], 'i.u8': good['i.u8'] },
      { ...good, 'assets.json': JSON.stringify({ ...manifest, format: 'something-else' }) },
      { ...good, 'assets.json': JSON.stringify({ ...manifest, version: 2 }) },
      { ...good, 'assets.json': JSON.stringify({ ...manifest, labels: [0, 1] }) },
      { ...good, 'assets.json': JSON.stringify({ ...manifest, modelId: '../x' }) },
      { ...good, 'assets.json': JSON.stringify({ ...manifest, calibration: { metric: 'f1', result: {} } }) },
    ];
    for (const files of cases) {
      await withSite(files, async (base) => {
        await expect(loadAssets(base)).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
      });
    }
  });
});
