// The web app in real Chromium (Debian's, driven by playwright-core), against a static build
// served on loopback. The model comes from a short hello-mnist run made here (`--quick`), so the
// test needs nothing from an earlier `pnpm start`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch } from '@simkit/core';
import { SimilarityModel, selectBackend } from '@simkit/model';
import { HnswSearch } from '@simkit/search-hnsw';
import { LevelStore } from '@simkit/store-level';
import { type StaticServer, serveStatic } from '@simkit/test-servers';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../scripts/build.mjs';

const appDir = join(import.meta.dirname, '..');
const CHROMIUM = process.env.SIMKIT_CHROMIUM ?? '/usr/bin/chromium';
const HELLO_MNIST = join(appDir, '..', 'hello-mnist', 'dist', 'main.js');
/** Where the screenshot of each run goes (git-ignored); the README shows a copy. */
const SCREENSHOT = join(appDir, 'test-output', 'screenshot.png');
const PIXELS = 784;

let root: string;
let site: StaticServer;
let browser: Browser;
interface Size {
  minified: number;
  gzipped: number;
}
let built: { sizes: { startup: Size; webgl: Size }; inputs: string[] };
const modelDir = () => join(root, 'hello-mnist', 'model');

interface Panel {
  state: string;
  backend: string;
  size: number;
  openedFrom: string;
  decision: string;
  neighbours: { id: number; label: number; distance: number }[];
  added: { id: number; label: number }[];
  status: string;
}

async function panel(page: Page): Promise<Panel> {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? '';
    return {
      state: document.body.dataset.state ?? '',
      backend: text('backend'),
      size: Number(text('index-size')),
      openedFrom: text('opened-from'),
      decision: document.getElementById('decision')?.dataset.decision ?? '',
      neighbours: [...document.querySelectorAll<HTMLElement>('#neighbours li')].map((li) => ({
        id: Number(li.dataset.id),
        label: Number(li.dataset.label),
        distance: Number(li.dataset.distance),
      })),
      added: [...document.querySelectorAll<HTMLElement>('#added li')].map((li) => ({
        id: Number(li.dataset.id),
        label: Number(li.dataset.label),
      })),
      status: text('status'),
    };
  });
}

/** A page of the app in `context`, with its console errors collected. */
async function open(context: BrowserContext, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${site.origin}/${query}`);
  await ready(page);
  return { page, errors };
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, {
    timeout: 90_000,
  });
  const p = await panel(page);
  if (p.state !== 'ready') throw new Error(`the app did not start: ${p.status}`);
}

/** Waits for the answer to the query just made (the decision changes from `before`). */
async function answered(page: Page): Promise<Panel> {
  await page.waitForFunction(
    () => document.body.dataset.state === 'ready' && document.getElementById('decision')?.dataset.decision !== 'none',
    null,
    { timeout: 30_000 },
  );
  return panel(page);
}

type Stroke = readonly (readonly [number, number])[];

/** Draws strokes with the mouse; points are fractions (0..1) of the pad's width and height. */
async function drawWithMouse(page: Page, strokes: readonly Stroke[]): Promise<void> {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('no pad');
  const at = ([x, y]: readonly [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    if (first === undefined) continue;
    await page.mouse.move(...at(first));
    await page.mouse.down();
    for (const p of rest) await page.mouse.move(...at(p), { steps: 8 });
    await page.mouse.up();
  }
}

/** Draws one stroke with a finger (touch events through the DevTools protocol). */
async function drawWithTouch(page: Page, stroke: Stroke): Promise<void> {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('no pad');
  const cdp = await page.context().newCDPSession(page);
  const point = ([x, y]: readonly [number, number]) => ({ x: box.x + x * box.width, y: box.y + y * box.height });
  const [first, ...rest] = stroke;
  if (first === undefined) return;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point(first)] });
  let last = first;
  for (const p of rest) {
    for (let s = 1; s <= 8; s++) {
      const t = s / 8;
      const mid: [number, number] = [last[0] + (p[0] - last[0]) * t, last[1] + (p[1] - last[1]) * t];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point(mid)] });
    }
    last = p;
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** A "1" as people draw it: one slightly slanted stroke. */
const ONE: Stroke[] = [
  [
    [0.52, 0.15],
    [0.5, 0.5],
    [0.47, 0.85],
  ],
];
/** Far from every digit: a square outline drawn edge to edge. */
const SCRIBBLE: Stroke[] = [
  [
    [0.05, 0.05],
    [0.95, 0.05],
    [0.95, 0.95],
    [0.05, 0.95],
    [0.05, 0.05],
  ],
];

async function pickStrip(page: Page, nth: number): Promise<Panel> {
  await page.click('#clear');
  await page.locator('.strip-digit').nth(nth).click();
  return answered(page);
}

/** The IndexedDB record of the saved HNSW graph (database of @simkit/search-hnsw), read or replaced. */
async function graphRecord(page: Page, replace?: unknown): Promise<unknown> {
  return page.evaluate(async (value) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('simkit-search-hnsw');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      const tx = db.transaction('indexes', 'readwrite');
      const store = tx.objectStore('indexes');
      const keys = await new Promise<IDBValidKey[]>((resolve) => {
        const r = store.getAllKeys();
        r.onsuccess = () => resolve(r.result);
      });
      const key = keys.find((k) => String(k).startsWith('simkit-web-'));
      if (key === undefined) throw new Error('no saved graph');
      const before = await new Promise<unknown>((resolve) => {
        const r = store.get(key);
        r.onsuccess = () => resolve(r.result);
      });
      if (value !== undefined) store.put(value, key);
      await new Promise((resolve) => {
        tx.oncomplete = resolve;
      });
      return before;
    } finally {
      db.close();
    }
  }, replace);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set SIMKIT_CHROMIUM.`,
    );
  }
  root = await mkdtemp(join(tmpdir(), 'simkit-web-'));
  // A short hello-mnist run (about 15 s): train, index 20 digits per class, calibrate, save.
  await promisify(execFile)(process.execPath, [HELLO_MNIST, '--quick', '--out', join(root, 'hello-mnist')], {
    cwd: root,
    env: { ...process.env, CI: 'true' },
  });
  built = await buildApp({ outDir: join(root, 'site'), modelDir: modelDir() });
  site = await serveStatic(join(root, 'site'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the static build', () => {
  it('bundles the app for the browser: no Node built-ins, no fake IndexedDB, tfjs backends included', () => {
    expect(built.inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(built.inputs.filter((i) => i.includes('node_modules/fake-indexeddb/'))).toEqual([]);
    for (const backend of ['tfjs-backend-webgl', 'tfjs-backend-wasm', 'tfjs-backend-cpu']) {
      expect(
        built.inputs.some((i) => i.includes(backend)),
        backend,
      ).toBe(true);
    }
    // The WebGL backend is a chunk of its own, loaded only when it is chosen.
    for (const part of [built.sizes.startup, built.sizes.webgl]) {
      expect(part.gzipped).toBeGreaterThan(0);
      expect(part.gzipped).toBeLessThan(part.minified);
    }
  });

  it('without a model save the app still builds, and the page says what to run', async () => {
    const out = join(root, 'site-without-model');
    await buildApp({ outDir: out, modelDir: join(root, 'no-such-model') });
    const bare = await serveStatic(out);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${bare.origin}/`);
      await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
      expect((await panel(page)).status).toContain('pnpm start');
    } finally {
      await context.close();
      await bare.close();
    }
  });
});

describe('in headless Chromium', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    // A failed test leaves its page open; close it, or its lock on the index would block the next.
    for (const page of context.pages()) await page.close();
  });
  afterAll(async () => {
    await context?.close();
  });

  it('loads with no console errors, starts the wasm backend and seeds the index from the build', async () => {
    const { page, errors } = await open(context);
    const p = await panel(page);
    expect(p.backend).toBe('wasm'); // the first choice, which every evergreen browser has
    expect(p.size).toBe(200);
    expect(p.openedFrom).toBe('seeded');
    expect(p.added).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a "1" drawn with the mouse finds 1s nearest and is matched as 1; a square drawn edge to edge is unknown', async () => {
    const { page, errors } = await open(context);
    await drawWithMouse(page, ONE);
    const one = await answered(page);
    expect(one.neighbours).toHaveLength(5);
    expect(one.neighbours[0]?.label).toBe(1);
    expect(one.decision).toBe('1');
    await mkdir(join(appDir, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await drawWithMouse(page, SCRIBBLE);
    const scribble = await answered(page);
    expect(scribble.decision).toBe('unknown');
    const cutpoint = Number((await page.textContent('#cutpoint'))?.split(' ')[0]);
    expect(scribble.neighbours[0]?.distance).toBeGreaterThan(cutpoint);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a "1" drawn with a finger (touch events) is matched as 1 too', async () => {
    const { page, errors } = await open(context);
    await drawWithTouch(page, ONE[0] as Stroke);
    const one = await answered(page);
    expect(one.neighbours[0]?.label).toBe(1);
    expect(one.decision).toBe('1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the browser finds the same neighbours at the same distances as the model in Node', async () => {
    const { page, errors } = await open(context);
    const picked = await pickStrip(page, 7);
    await selectBackend({ prefer: 'wasm' });
    const node = await SimilarityModel.load(modelDir());
    // The strip digit's grey levels, as the build exported them.
    const strip = await readFile(join(root, 'site', 'data', 'strip-images.u8'));
    const image = strip.subarray(7 * PIXELS, 8 * PIXELS);
    expect(image).toHaveLength(PIXELS);
    const expected = await node.singleLookup({ data: Float32Array.from(image, (v) => v / 255), shape: [1, PIXELS] }, 5);
    expect(picked.neighbours.map((n) => n.id)).toEqual(expected.map((n) => n.id));
    picked.neighbours.forEach((n, i) => {
      expect(n.distance).toBeCloseTo(expected[i]?.distance as number, 3);
    });
    node.model.dispose();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an added digit is kept in IndexedDB across reloads, and a removed one stays gone', async () => {
    const { page, errors } = await open(context);
    const query = await pickStrip(page, 12); // a 6 from the strip
    await page.selectOption('#add-label', '6');
    await page.click('#add');
    await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '1');
    const afterAdd = await panel(page);
    expect(afterAdd.size).toBe(201);
    expect(afterAdd.added).toEqual([{ id: 200, label: 6 }]);

    await page.reload();
    await ready(page);
    const reloaded = await panel(page);
    expect(reloaded.size).toBe(201);
    expect(reloaded.openedFrom).toBe('saved');
    expect(reloaded.added).toEqual([{ id: 200, label: 6 }]);
    // The same digit now finds itself first, at distance 0.
    const again = await pickStrip(page, 12);
    expect(again.neighbours[0]).toMatchObject({ id: 200, label: 6 });
    expect(again.neighbours[0]?.distance).toBeCloseTo(0, 5);
    expect(again.neighbours[1]?.id).toBe(query.neighbours[0]?.id);

    await page.click('#added li[data-id="200"] button.remove');
    await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '0');
    expect((await panel(page)).size).toBe(200);
    await page.reload();
    await ready(page);
    const gone = await panel(page);
    expect(gone.size).toBe(200);
    expect(gone.added).toEqual([]);
    expect(gone.openedFrom).toBe('saved');
    expect((await pickStrip(page, 12)).neighbours.map((n) => n.id)).toEqual(query.neighbours.map((n) => n.id));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a saved graph that missed the last change, or is damaged, is rebuilt from the stored records', async () => {
    const { page, errors } = await open(context);
    const stale = await graphRecord(page);
    await pickStrip(page, 18); // a 9
    await page.selectOption('#add-label', '9');
    await page.click('#add');
    await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '1');
    // As if the tab had closed after the record was stored but before the graph was saved.
    await graphRecord(page, stale);
    await page.reload();
    await ready(page);
    let p = await panel(page);
    expect(p.openedFrom).toBe('rebuilt');
    expect(p.size).toBe(201);
    expect((await pickStrip(page, 18)).neighbours[0]?.id).toBe(p.added[0]?.id);

    // A flipped byte in the saved graph: its CRC-32 no longer matches, so the graph is rebuilt.
    const record = (await graphRecord(page)) as { graph: Uint8Array };
    const graph = new Uint8Array(record.graph);
    graph[graph.length >> 1] = (graph[graph.length >> 1] as number) ^ 0x40;
    await graphRecord(page, { ...record, graph });
    await page.reload();
    await ready(page);
    p = await panel(page);
    expect(p.openedFrom).toBe('rebuilt');
    expect(p.size).toBe(201);

    await page.click('#remove-all');
    await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '0');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('once loaded it needs no network: draw, look up, add and remove offline', async () => {
    const { page, errors } = await open(context);
    await context.setOffline(true);
    try {
      await drawWithMouse(page, ONE);
      expect((await answered(page)).decision).toBe('1');
      await page.click('#add');
      await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '1');
      expect((await panel(page)).size).toBe(201);
      await page.click('#remove-all');
      await page.waitForFunction(() => document.getElementById('added-count')?.textContent === '0');
      expect((await panel(page)).size).toBe(200);
    } finally {
      await context.setOffline(false);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a second tab does not write the same index: it says the app is open elsewhere', async () => {
    const first = await open(context);
    const second = await context.newPage();
    await second.goto(`${site.origin}/`);
    await second.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
    expect((await panel(second)).status).toContain('open in another tab');
    await second.close();
    await first.page.close();
  });

  it('every backend gives the same answer: wasm, cpu and webgl', async () => {
    const answers: Panel[] = [];
    for (const backend of ['wasm', 'cpu', 'webgl']) {
      const { page, errors } = await open(context, `?backend=${backend}`);
      expect((await panel(page)).backend).toBe(backend);
      answers.push(await pickStrip(page, 4));
      expect(errors).toEqual([]);
      await page.close();
    }
    const [wasm, ...others] = answers;
    for (const other of others) {
      expect(other.neighbours.map((n) => n.id)).toEqual(wasm?.neighbours.map((n) => n.id));
      expect(other.decision).toBe(wasm?.decision);
      other.neighbours.forEach((n, i) => {
        expect(n.distance).toBeCloseTo(wasm?.neighbours[i]?.distance as number, 4);
      });
    }
  });
});

describe('numbers', () => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

  /** A cold load in a fresh browser profile, then every strip digit twice; medians of the panel's times. */
  async function measure(query: string) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const t0 = Date.now();
      await page.goto(`${site.origin}/${query}`);
      await ready(page);
      await pickStrip(page, 0);
      const coldFirstAnswerMs = Date.now() - t0;
      const times = { embed: [] as number[], lookup: [] as number[], match: [] as number[] };
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 20; i++) {
          await pickStrip(page, i);
          times.embed.push(Number.parseFloat((await page.textContent('#embed-time')) ?? ''));
          times.lookup.push(Number.parseFloat((await page.textContent('#search-time')) ?? ''));
          times.match.push(Number.parseFloat((await page.textContent('#match-time')) ?? ''));
        }
      }
      for (const t of Object.values(times)) expect(t.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      return {
        backend: (await panel(page)).backend,
        coldFirstAnswerMs,
        embedMs: median(times.embed),
        lookupMs: median(times.lookup),
        matchMs: median(times.match),
      };
    } finally {
      await context.close();
    }
  }

  it('time to first answer on a cold load, and lookup time in the browser beside Node', async () => {
    const browserRuns = [];
    for (const query of ['', '?backend=webgl', '?backend=cpu']) browserRuns.push(await measure(query));
    // Node, same model and the same backends as the page: HNSW over a LevelStore on disk.
    await selectBackend({ prefer: 'wasm' });
    const node = await SimilarityModel.load(modelDir());
    const frame = await node.indexer.toDataFrame();
    node.createIndex({
      distance: 'cosine',
      search: new HnswSearch({ distance: 'cosine', dim: frame.embeddingSize }),
      store: await LevelStore.openTemporary(),
    });
    await node.indexer.batchAdd(
      batch(frame.columns.embedding, frame.embeddingSize),
      Array.from(frame.columns.label),
      frame.columns.data,
    );
    const saved = await SimilarityModel.load(modelDir());
    const calibration = saved.indexer.calibrationResult;
    if (calibration === undefined) throw new Error('the saved index is not calibrated');
    await node.indexer.restoreCalibration(calibration, saved.indexer.calibrationMetric);
    saved.model.dispose();
    const strip = await readFile(join(root, 'site', 'data', 'strip-images.u8'));
    const nodeTimes = { embed: [] as number[], search: [] as number[], match: [] as number[] };
    for (let i = 0; i < 110; i++) {
      const t0 = performance.now();
      const at = (i % 20) * PIXELS;
      const digit = { data: Float32Array.from(strip.subarray(at, at + PIXELS), (v) => v / 255), shape: [1, PIXELS] };
      const e = await node.embed(digit);
      const t1 = performance.now();
      await node.indexer.singleLookup(e.data, 5);
      const t2 = performance.now();
      await node.indexer.match(e.data);
      const t3 = performance.now();
      if (i < 10) continue; // warm-up
      nodeTimes.embed.push(t1 - t0);
      nodeTimes.search.push(t2 - t1);
      nodeTimes.match.push(t3 - t2);
    }
    await node.indexer.close();
    node.model.dispose();
    const report = {
      bundle: built.sizes,
      browser: browserRuns,
      node: {
        backend: 'wasm',
        index: 'HnswSearch + LevelStore',
        embedMs: median(nodeTimes.embed),
        lookupMs: median(nodeTimes.search),
        matchMs: median(nodeTimes.match),
      },
    };
    await mkdir(join(appDir, 'test-output'), { recursive: true });
    await writeFile(join(appDir, 'test-output', 'numbers.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`web app numbers: ${JSON.stringify(report)}`);
    expect(browserRuns.map((r) => r.backend)).toEqual(['wasm', 'webgl', 'cpu']);
  });
});
