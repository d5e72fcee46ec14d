// simkit in a real browser: each page under pages/ is bundled with esbuild for the browser
// (no externals, minified), served on loopback and run in headless Chromium driven by
// playwright-core. Chromium comes from Debian (`.ci/run` installs it); without it these tests fail.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generationDir } from '@simkit/core/testing';
import { kernelWorkload } from '../pages/kernel-workload.js';
import { MetricEmbedding } from '@simkit/layers';
import { SimilarityModel, selectBackend } from '@simkit/model';
import { type StaticServer, serveStatic } from '@simkit/test-servers';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import * as esbuild from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = join(import.meta.dirname, '..');
const CHROMIUM = process.env.SIMKIT_CHROMIUM ?? '/usr/bin/chromium';
const PAGES = ['indexer', 'hnsw', 'store-level', 'model', 'linear-kernel'] as const;
type PageName = (typeof PAGES)[number];
/**
 * The indexer bundle (exact search, memory store, calibration) must stay small. About 7 KB of it
 * is LinearSearch's WebAssembly kernel (three builds with float32, int8 and int16 paths, base64) and its worker pool.
 */
const INDEXER_GZIP_LIMIT = 48 * 1024;

interface BundleSize {
  readonly minified: number;
  readonly gzipped: number;
  readonly inputs: readonly string[];
}

/** README examples fenced as ```ts browser: they claim to run in a browser, so they run here. */
function browserExamples(): { name: string; code: string }[] {
  const packages = join(appDir, '..', '..', 'packages');
  const found: { name: string; code: string }[] = [];
  for (const pkg of readdirSync(packages).sort()) {
    const readme = join(packages, pkg, 'README.md');
    if (!existsSync(readme)) continue;
    const blocks = readFileSync(readme, 'utf8')
      .split(/^```ts browser\s*$/m)
      .slice(1);
    for (const [i, rest] of blocks.entries()) {
      found.push({ name: `${pkg}-readme-${i + 1}`, code: rest.split(/^```\s*$/m)[0] ?? '' });
    }
  }
  return found;
}
const README_EXAMPLES = browserExamples();

let root: string;
let server: StaticServer;
let origin: string;
let browser: Browser;
const sizes = new Map<PageName, BundleSize>();
const fixture = {
  indexX: [
    [0, 0, 1, 1],
    [1, 1, 0, 0],
    [0, 1, 0, 1],
    [1, 0, 1, 0],
  ],
  indexY: [0, 1, 2, 3],
  queries: [
    [0, 0, 1, 0.9],
    [1, 0.9, 0, 0.1],
    [0.2, 0.8, 0.1, 0.9],
  ],
};

async function bundle(name: PageName): Promise<void> {
  const result = await esbuild.build({
    entryPoints: [join(appDir, 'pages', `${name}.ts`)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(root, `${name}.js`),
    metafile: true,
    logLevel: 'silent',
  });
  const code = await readFile(join(root, `${name}.js`));
  sizes.set(name, {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs),
  });
  await writeFile(
    join(root, `${name}.html`),
    `<!doctype html><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,"><script type="module" src="/${name}.js"></script>\n`,
  );
}

/**
 * Bundles a README example as it stands (an ES module, top-level await and all); its page
 * imports it and reports whether it finished.
 */
async function bundleExample(example: { name: string; code: string }): Promise<void> {
  // Inside the app, so that the example's imports resolve from this app's dependencies.
  const source = join(appDir, '.readme-examples', `${example.name}.ts`);
  await mkdir(join(appDir, '.readme-examples'), { recursive: true });
  await writeFile(source, example.code);
  await esbuild.build({
    entryPoints: [source],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(root, `${example.name}.js`),
    logLevel: 'silent',
  });
  await writeFile(
    join(root, `${example.name}.html`),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import('/${example.name}.js').then(
  () => { globalThis.__simkitCheck = { ok: true, result: null }; },
  (e) => { globalThis.__simkitCheck = { ok: false, error: String((e && e.stack) || e) }; },
);
</script>\n`,
  );
}

/** Saves a small model with SimilarityModel in Node and serves its model.json + weights.bin. */
async function saveFixtureModel(): Promise<void> {
  const net = sequential({
    layers: [layers.dense({ units: 8, inputShape: [4], activation: 'relu' }), new MetricEmbedding({ units: 4 })],
  });
  const dir = join(root, 'saved-model');
  await new SimilarityModel(net).save(dir);
  const gen = await generationDir(dir);
  await mkdir(join(root, 'model'));
  for (const file of ['model.json', 'weights.bin'])
    await writeFile(join(root, 'model', file), await readFile(join(gen, file)));
  await writeFile(join(root, 'model-fixture.json'), JSON.stringify(fixture));
}

/** Opens `page` in a fresh tab, waits for its outcome and collects console errors. */
async function runPage(name: string, query = ''): Promise<{ outcome: unknown; errors: string[] }> {
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${origin}/${name}.html${query}`);
    await page.waitForFunction(() => (globalThis as { __simkitCheck?: unknown }).__simkitCheck !== undefined, null, {
      timeout: 90_000,
    });
    const outcome = await page.evaluate(() => (globalThis as { __simkitCheck?: unknown }).__simkitCheck);
    return { outcome, errors };
  } finally {
    await page.close();
  }
}

function resultOf(outcome: unknown): Record<string, unknown> {
  const o = outcome as { ok: boolean; result?: unknown; error?: string };
  if (!o.ok) throw new Error(`the page failed: ${o.error}`);
  return o.result as Record<string, unknown>;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set SIMKIT_CHROMIUM.`,
    );
  }
  root = await mkdtemp(join(tmpdir(), 'simkit-browser-check-'));
  await selectBackend({ prefer: 'cpu' });
  await Promise.all(PAGES.map(bundle));
  // The same kernel page once more, served cross-origin isolated.
  await writeFile(join(root, 'linear-kernel-isolated.html'), await readFile(join(root, 'linear-kernel.html')));
  await Promise.all(README_EXAMPLES.map(bundleExample));
  await saveFixtureModel();
  // Pages named *-isolated are cross-origin isolated, so they may share memory with Web Workers.
  server = await serveStatic(root, {
    headers: (path): Record<string, string> =>
      path.includes('-isolated')
        ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
        : {},
  });
  origin = server.origin;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await browser.newContext();
  const report = Object.fromEntries(
    [...sizes].map(([name, s]) => [name, { minified: s.minified, gzipped: s.gzipped }]),
  );
  await writeFile(join(appDir, 'bundle-sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('browser bundles (esbuild, platform browser, no externals)', () => {
  it(`the indexer bundle stays under ${INDEXER_GZIP_LIMIT / 1024} KB gzipped`, () => {
    const size = sizes.get('indexer');
    expect(size?.gzipped).toBeGreaterThan(0);
    expect(size?.gzipped).toBeLessThan(INDEXER_GZIP_LIMIT);
  });

  it('no bundle carries fake-indexeddb, Node built-ins or tfjs where it is not used', () => {
    for (const [name, size] of sizes) {
      expect(
        size.inputs.filter((i) => i.includes('node_modules/fake-indexeddb/')),
        name,
      ).toEqual([]);
      expect(
        size.inputs.filter((i) => i.startsWith('node:')),
        name,
      ).toEqual([]);
      expect(
        size.inputs.filter((i) => /node-builtins\.js|zlib-module\.js|wasm-dist-dir\.js|worker-host\.js/.test(i)),
        name,
      ).toEqual([]);
    }
    for (const name of ['indexer', 'hnsw', 'store-level'] as const) {
      expect(
        sizes.get(name)?.inputs.filter((i) => i.includes('@tensorflow')),
        name,
      ).toEqual([]);
    }
  });
});

describe('in headless Chromium', () => {
  it('indexer: lookup, calibrate and match as in Node; save to a path is UNSUPPORTED', async () => {
    const { outcome, errors } = await runPage('indexer');
    const r = resultOf(outcome);
    const nearest = r.nearest as { label: number; distance: number; data: string };
    expect(nearest.label).toBe(0);
    expect(nearest.data).toBe('cat-1.jpg');
    // cosine distance of (1, 0.05, 0) to (1, 0, 0): 1 − 1/√1.0025 = 0.0012477…
    expect(nearest.distance).toBeCloseTo(1 - 1 / Math.sqrt(1.0025), 6);
    expect(r.matches).toEqual([0, -1]);
    expect(r.saveError).toBe('UNSUPPORTED');
    expect(errors).toEqual([]);
  });

  it('search-linear: the WebAssembly kernel runs on the page thread, exact, and is timed beside Node', async () => {
    const { outcome, errors } = await runPage('linear-kernel');
    const r = resultOf(outcome);
    expect(r.isolated).toBe(false);
    expect(['relaxed-simd', 'simd']).toContain(r.kernel);
    // Not cross-origin isolated: no shared memory, so no workers.
    expect(r).toMatchObject({ sharedMemory: false, threads: 1, identical: true, screenIdentical: true });
    const node = await kernelWorkload(1);
    expect(node).toMatchObject({ identical: true, screenIdentical: true });
    console.log(
      `search-linear kernel, 20k × 128 cosine, k=10, one thread: Chromium ${Math.round(r.queriesPerSecond as number)} queries/s (${r.kernel}; int16 screen ${Math.round(r.screenQueriesPerSecond as number)}; its JS scan ${Math.round(r.jsQueriesPerSecond as number)}), Node ${Math.round(node.queriesPerSecond)} queries/s (${node.kernel}; int16 screen ${Math.round(node.screenQueriesPerSecond)}; its JS scan ${Math.round(node.jsQueriesPerSecond)})`,
    );
    expect(errors).toEqual([]);
  });

  it('search-linear: on a cross-origin isolated page, lookups run on Web Workers over shared memory', async () => {
    const { outcome, errors } = await runPage('linear-kernel-isolated');
    const r = resultOf(outcome);
    expect(r.isolated).toBe(true);
    expect(r).toMatchObject({ sharedMemory: true, identical: true, screenIdentical: true });
    expect(r.threads).toBe(Math.max(1, r.hardware as number) >= 2 ? r.hardware : 1);
    console.log(
      `search-linear kernel in Chromium on ${r.threads} Web Workers: ${Math.round(r.queriesPerSecond as number)} queries/s (int16 screen ${Math.round(r.screenQueriesPerSecond as number)})`,
    );
    expect(errors).toEqual([]);
  });

  it('hnsw: hnswlib-wasm runs, and a graph saved to IndexedDB loads back with the same answers', async () => {
    const { outcome, errors } = await runPage('hnsw');
    const r = resultOf(outcome);
    expect(r.selfFirst).toBe(true);
    expect(r.sameAfterLoad).toBe(true);
    expect(r.size).toBe(199);
    expect(errors).toEqual([]);
  });

  it('store-level: records written on IndexedDB are still there after the page is loaded again', async () => {
    const first = resultOf((await runPage('store-level', '?phase=write')).outcome);
    expect(first.size).toBe(2);
    const { outcome, errors } = await runPage('store-level', '?phase=read');
    const again = resultOf(outcome);
    expect(again.size).toBe(2);
    expect(again.dim).toBe(2);
    const records = again.records as { id: number; label: number | null; data: unknown; embedding: number[] }[];
    expect(records.map((x) => [x.id, x.label, x.data])).toEqual([
      [0, 7, { file: 'a.png' }],
      [1, null, null],
    ]);
    expect(records[1]?.embedding[0]).toBeCloseTo(0.3, 6);
    // Each value stored has a buffer of its own: 2 records and the store's meta record, none
    // carrying the bytes of the others (IndexedDB's structured clone keeps a view's whole buffer).
    const stored = again.storedBytes as { view: number; buffer: number }[];
    expect(stored).toHaveLength(3);
    for (const s of stored) expect(s.buffer).toBe(s.view);
    expect(errors).toEqual([]);
  });

  it('model: loaded over HTTP, indexed and queried, it answers as the same model does in Node', async () => {
    const { outcome, errors } = await runPage('model');
    const r = resultOf(outcome);
    expect(r.backend).toBe('cpu');
    const node = await SimilarityModel.load(join(root, 'saved-model'));
    node.compile({ distance: 'cosine' });
    await node.index(fixture.indexX, fixture.indexY);
    const expected = (await node.lookup(fixture.queries, 2)).map((row) => row.map((n) => n.label));
    const lookups = r.lookups as { label: number; distance: number }[][];
    expect(lookups.map((row) => row.map((n) => n.label))).toEqual(expected);
    const nodeDistances = (await node.lookup(fixture.queries, 2)).map((row) => row.map((n) => n.distance));
    lookups.forEach((row, i) => {
      row.forEach((n, j) => {
        expect(n.distance).toBeCloseTo(nodeDistances[i]?.[j] as number, 5);
      });
    });
    expect(errors).toEqual([]);
  });
});

describe('README examples marked ```ts browser, run in Chromium', () => {
  it('there are some (the model README has one)', () => {
    expect(README_EXAMPLES.map((e) => e.name)).toContain('model-readme-1');
  });

  for (const example of README_EXAMPLES) {
    it(`${example.name} runs to the end without errors`, async () => {
      const { outcome, errors } = await runPage(example.name);
      expect(outcome).toEqual({ ok: true, result: null });
      expect(errors).toEqual([]);
    });
  }
});
