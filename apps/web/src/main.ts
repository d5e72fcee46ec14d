// simkit in the browser: the model hello-mnist trained, its calibrated index kept in IndexedDB,
// a pad to draw digits on. Everything runs in the page; the server only serves static files.
import { SimilarityModel } from '@simkit/model';
import { type WebAssets, loadAssets, PIXELS } from './assets.js';
import { requestedBackend, startBackend } from './backend.js';
import { DigitPad, paintDigit } from './digit-pad.js';
import { PersistentIndex } from './persistent-index.js';

/** Neighbours shown for each query. */
const K = 5;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`The page has no #${id}.`);
  return el as T;
};

function setState(state: 'loading' | 'ready' | 'busy' | 'error', message = ''): void {
  document.body.dataset.state = state;
  $('status').textContent = message;
}

function thumbnail(image: ArrayLike<number>, bytes: boolean, title: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = 56;
  canvas.height = 56;
  canvas.title = title;
  paintDigit(canvas, image, bytes);
  return canvas;
}

function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : Math.round(ms).toString();
}

interface QueryOutcome {
  readonly label: number;
  readonly embedMs: number;
  readonly searchMs: number;
  readonly matchMs: number;
}

class App {
  private current: { digit: Float32Array; embedding: Float32Array } | undefined;
  private readonly pad: DigitPad;
  private readonly cutpoint: number;

  constructor(
    private readonly sim: SimilarityModel,
    private readonly index: PersistentIndex,
    private readonly assets: WebAssets,
    backend: string,
    startMs: number,
  ) {
    this.cutpoint = assets.manifest.calibration.result.cutpoints.optimal?.distance ?? Number.NaN;
    this.pad = new DigitPad($<HTMLCanvasElement>('pad'), (digit) => {
      void this.query(digit);
    });
    $('backend').textContent = backend;
    $('model-id').textContent = assets.manifest.modelId;
    $('startup').textContent = `${formatMs(startMs)} ms`;
    $('opened-from').textContent = index.openedFrom;
    $('cutpoint').textContent =
      `${this.cutpoint.toFixed(4)} (${assets.manifest.distance} distance, best ${assets.manifest.calibration.metric})`;
    $('clear').addEventListener('click', () => this.clear());
    $('add').addEventListener('click', () => void this.add());
    $('remove-all').addEventListener('click', () => void this.removeAll());
    this.renderStrip();
    this.renderAdded();
    this.updateSize();
    this.clear();
  }

  private clear(): void {
    this.pad.clear();
    this.current = undefined;
    $('decision').textContent = 'Draw a digit, or pick one below.';
    $('decision').dataset.decision = 'none';
    $('neighbours').replaceChildren();
    ($('add') as HTMLButtonElement).disabled = true;
  }

  private renderStrip(): void {
    const strip = $('strip');
    const { labels } = this.assets.manifest.strip;
    labels.forEach((label, i) => {
      const bytes = this.assets.strip.subarray(i * PIXELS, (i + 1) * PIXELS);
      const button = document.createElement('button');
      button.className = 'strip-digit';
      button.dataset.label = String(label);
      button.title = `A test digit (${label})`;
      button.append(thumbnail(bytes, true, `test digit ${label}`));
      button.addEventListener('click', () => {
        const digit = Float32Array.from(bytes, (v) => v / 255);
        this.pad.show(digit);
        void this.query(digit);
      });
      strip.append(button);
    });
  }

  private renderAdded(): void {
    const list = $('added');
    const items = this.index.addedDigits().map((d) => {
      const li = document.createElement('li');
      li.dataset.id = String(d.id);
      li.dataset.label = String(d.label);
      const remove = document.createElement('button');
      remove.textContent = 'Remove';
      remove.className = 'remove';
      remove.addEventListener('click', () => void this.remove(d.id));
      const text = document.createElement('span');
      text.textContent = `#${d.id} · ${d.label}`;
      li.append(thumbnail(d.image, true, `added digit ${d.label}`), text, remove);
      return li;
    });
    list.replaceChildren(...items);
    $('added-count').textContent = String(items.length);
    ($('remove-all') as HTMLButtonElement).disabled = items.length === 0;
  }

  private updateSize(): void {
    $('index-size').textContent = String(this.index.size());
  }

  /** Embeds the digit, looks up its neighbours and matches it at the calibrated cutpoint. */
  private async query(digit: Float32Array | undefined): Promise<QueryOutcome | undefined> {
    if (digit === undefined) return undefined;
    setState('busy');
    try {
      const t0 = performance.now();
      const embedded = await this.sim.embed({ data: digit, shape: [1, PIXELS] });
      const t1 = performance.now();
      const neighbours = await this.index.indexer.singleLookup(embedded.data, K);
      const t2 = performance.now();
      const [label = -1] = await this.index.indexer.match(embedded.data);
      const t3 = performance.now();
      this.current = { digit, embedding: embedded.data };
      const decision = $('decision');
      const nearest = neighbours[0]?.distance ?? Number.POSITIVE_INFINITY;
      decision.dataset.decision = label >= 0 ? String(label) : 'unknown';
      decision.textContent =
        label >= 0
          ? `It is a ${label} (nearest at ${nearest.toFixed(4)} ≤ cutpoint)`
          : `Unknown: no indexed digit within the cutpoint (nearest at ${nearest.toFixed(4)})`;
      $('neighbours').replaceChildren(
        ...neighbours.map((n) => {
          const li = document.createElement('li');
          li.dataset.label = String(n.label);
          li.dataset.distance = String(n.distance);
          li.dataset.id = String(n.id);
          const data = n.data as { image?: number[] } | null;
          if (Array.isArray(data?.image)) li.append(thumbnail(data.image, true, `indexed digit ${n.label}`));
          const text = document.createElement('span');
          text.textContent = `${n.label ?? '–'} · ${n.distance.toFixed(4)}`;
          if (n.distance > this.cutpoint) li.classList.add('beyond');
          li.append(text);
          return li;
        }),
      );
      $('embed-time').textContent = `${formatMs(t1 - t0)} ms`;
      $('search-time').textContent = `${formatMs(t2 - t1)} ms`;
      $('match-time').textContent = `${formatMs(t3 - t2)} ms`;
      ($('add') as HTMLButtonElement).disabled = false;
      const addLabel = $('add-label') as HTMLSelectElement;
      if (label >= 0) addLabel.value = String(label);
      setState('ready');
      return { label, embedMs: t1 - t0, searchMs: t2 - t1, matchMs: t3 - t2 };
    } catch (error) {
      setState('error', String(error));
      throw error;
    }
  }

  private async add(): Promise<void> {
    if (this.current === undefined) return;
    const label = Number(($('add-label') as HTMLSelectElement).value);
    setState('busy');
    try {
      const bytes = Uint8Array.from(this.current.digit, (v) => Math.round(v * 255));
      const id = await this.index.add(this.current.embedding, label, bytes);
      this.renderAdded();
      this.updateSize();
      setState('ready', `Added #${id} as ${label}; it is kept in this browser.`);
    } catch (error) {
      setState('error', String(error));
    }
  }

  private async remove(id: number): Promise<void> {
    setState('busy');
    try {
      await this.index.remove(id);
      this.renderAdded();
      this.updateSize();
      setState('ready', `Removed #${id}.`);
    } catch (error) {
      setState('error', String(error));
    }
  }

  private async removeAll(): Promise<void> {
    setState('busy');
    try {
      await this.index.removeAll();
      this.renderAdded();
      this.updateSize();
      setState('ready', 'Removed every added digit.');
    } catch (error) {
      setState('error', String(error));
    }
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  setState('loading', 'Starting TensorFlow.js…');
  const base = new URL('./', location.href);
  const backend = await startBackend(requestedBackend(location.search), new URL('tfjs/', base).href);
  setState('loading', `Loading the model (${backend})…`);
  const assets = await loadAssets(new URL('data/', base));
  const sim = await SimilarityModel.load('unused', undefined, { modelSource: assets.modelUrl, loadIndex: false });
  // One tab at a time writes the index: the lock is held for the life of the page.
  const granted = await new Promise<boolean>((resolve, reject) => {
    navigator.locks
      .request('simkit-web', { ifAvailable: true }, async (lock) => {
        resolve(lock !== null);
        if (lock !== null) await new Promise<never>(() => {});
      })
      .catch(reject);
  });
  if (!granted) {
    setState('error', 'simkit is open in another tab of this browser; close it, then reload this one.');
    return;
  }
  setState('loading', 'Opening the index kept in this browser…');
  const index = await PersistentIndex.open(sim, assets);
  // Warm up: the first embedding compiles the backend's kernels.
  await sim.embed({ data: new Float32Array(PIXELS), shape: [1, PIXELS] });
  new App(sim, index, assets, backend, performance.now() - t0);
  setState('ready');
}

main().catch((error: unknown) => {
  const e = error as { code?: string; message?: string };
  setState('error', e?.code !== undefined ? `${e.code}: ${e.message}` : String(error));
});
