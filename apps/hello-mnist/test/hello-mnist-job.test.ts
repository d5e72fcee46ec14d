import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSave } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { SimilarityModel } from '@simkit/model';
import { describe, expect, it } from 'vitest';
import { CLASS_ORDER, type JobResult, defaultSettings, runJob } from '../src/hello-mnist-job.js';
import { parseArgs } from '../src/cli-options.js';
import { REPORT_SECTIONS } from '../src/report-html.js';

/** Tiny settings: a few training steps and a few hundred digits, on the wasm backend. */
function tiny(outDir: string) {
  return {
    ...defaultSettings,
    stepsPerEpoch: 8,
    calibrationSize: 120,
    testSize: 100,
    indexPerClass: 5,
    galleryQueries: 3,
    neighbours: 3,
    outDir,
  };
}

/** A job takes 15-30 s on an idle 2-core machine; the bound, for hangs only, leaves room for a busy one. */
const JOB_TIMEOUT_MS = 240_000;

describe('the hello-mnist job (tiny settings)', { timeout: JOB_TIMEOUT_MS }, () => {
  it('trains, calibrates, matches, evaluates, reloads identically and writes the report', async () => {
    await withTempDir(async (dir) => {
      const events: string[] = [];
      const result: JobResult = await runJob(tiny(dir), { onProgress: (e) => events.push(e.task) });

      expect(result.backend).toBe('wasm');
      // The notebook's split: the first 6 classes of its order are trained on.
      expect(result.trainClasses).toEqual([2, 3, 1, 7, 9, 6]);
      expect(result.lossHistory).toHaveLength(8);
      // TF Similarity's training distance metrics, one value per step; cosine distances lie in
      // [0, 2], and dist_gap is |min_neg − max_pos|.
      expect(Object.keys(result.trainingMetrics)).toEqual(['dist_gap', 'max_pos', 'min_neg', 'mean_pos', 'mean_neg']);
      const m = result.trainingMetrics;
      for (const values of Object.values(m)) {
        expect(values).toHaveLength(8);
        for (const v of values) expect(v).toBeGreaterThanOrEqual(-1e-5);
      }
      m.dist_gap?.forEach((gap, i) => {
        expect(gap).toBeCloseTo(Math.abs((m.min_neg?.[i] as number) - (m.max_pos?.[i] as number)), 5);
      });
      expect(events).toContain('train');
      // 5 indexed digits of each of the 10 classes.
      expect(result.indexSize).toBe(50);

      expect(result.f1).toBeGreaterThanOrEqual(0);
      expect(result.f1).toBeLessThanOrEqual(1);
      const optimal = result.calibration.cutpoints.optimal;
      expect(optimal?.value).toBe(result.f1);
      expect(Object.keys(result.calibration.thresholds)).toEqual(
        expect.arrayContaining(['distance', 'precision', 'recall', 'binary_accuracy', 'f1']),
      );
      for (const name of ['recall@1', 'recall@5', 'precision@5', 'map@5']) {
        expect(result.retrieval[name]).toBeGreaterThanOrEqual(0);
        expect(result.retrieval[name]).toBeLessThanOrEqual(1);
      }
      expect(result.classification.optimal?.f1).toBeGreaterThanOrEqual(0);

      // Every test digit lands in exactly one cell of the confusion matrix: 100 of them.
      expect(result.confusion.counts.reduce((a, b) => a + b, 0)).toBe(100);
      expect(result.reload).toEqual({ ok: true, queries: 100, problems: [] });

      const html = await readFile(result.paths.report, 'utf8');
      for (const section of REPORT_SECTIONS) expect(html).toContain(section);
      expect(html).toContain('<svg');
      expect(html).toContain('data:image/png;base64,');
      expect(html).toContain('unknown');
      // The embedding projector: all 100 test digits on the UMAP map, each with its hidden digit.
      const projection = result.projection;
      expect(projection?.labels).toHaveLength(100);
      // The first test digits, in order: the same ones as the sample matches.
      expect(Array.from(projection?.labels.subarray(0, 10) ?? [])).toEqual(result.sampleMatches.map((m) => m.expected));
      expect(projection?.images).toHaveLength(100 * 784);
      for (const v of [...(projection?.x ?? []), ...(projection?.y ?? [])]) expect(Number.isFinite(v)).toBe(true);
      expect(result.timingsMs.project).toBeGreaterThan(0);
      expect(html).toContain('<h2 id="projector">Embedding projector</h2>');
      expect(html).toContain('<svg class="projector"');
      expect(html.match(/<g class="pt">/g)).toHaveLength(100);
      expect(html).toContain('.projector .pt:hover .tip { display: inline; }');
      // Self-contained: nothing is fetched when the page opens.
      expect(html).not.toMatch(/<script|<link|src="http|url\(http/);
      // One atomic save holding the model and its index, each file checked on load.
      const saved = await openSave(join(dir, 'model'), 'similarity-model');
      await saved.verifyAll();
      expect(saved.has('model.json') && saved.has('weights.bin')).toBe(true);
      expect(saved.has('index/simkit-save.json')).toBe(true);
    });
  });

  it('gives the same calibration for the same seed', async () => {
    const once = () => withTempDir((dir) => runJob({ ...tiny(dir), stepsPerEpoch: 3 }));
    const a = await once();
    const b = await once();
    expect(b.lossHistory).toEqual(a.lossHistory);
    expect(b.calibration.cutpoints).toEqual(a.calibration.cutpoints);
    // The projector's map too: same seed, same coordinates.
    expect(Array.from(b.projection?.x ?? [])).toEqual(Array.from(a.projection?.x ?? []));
    expect(Array.from(b.projection?.y ?? [])).toEqual(Array.from(a.projection?.y ?? []));
  });

  it('runs the learned variant: the conv net with its conv responses joined, saved and reloaded identically', async () => {
    await withTempDir(async (dir) => {
      const parsed = parseArgs(['--features', 'learned'], dir);
      if (parsed.help) throw new Error('expected settings');
      const result = await runJob({ ...tiny(dir), architecture: parsed.settings.architecture });
      expect(result.settings.architecture).toMatchObject({ stemFilters: 0, shapeFeatures: 'conv', shapeWeight: 0.6 });
      expect(result.reload).toEqual({ ok: true, queries: 100, problems: [] });
      const html = await readFile(result.paths.report, 'utf8');
      expect(html).toContain('<td>learned</td>');
      expect(html).toContain('joined with its own conv responses');
      // The saved model's output: 128 learned values + 5·5·32 conv responses.
      const saved = await openSave(join(dir, 'model'), 'similarity-model');
      const topology = new TextDecoder().decode(await saved.read('model.json'));
      expect(topology).toContain('"unit_shape"');
      const reloaded = await SimilarityModel.load(join(dir, 'model'));
      const embedded = await reloaded.embed({ data: new Float32Array(784), shape: [1, 784] });
      expect(embedded.dim).toBe(128 + 5 * 5 * 32);
    });
  });

  it('keeps the notebook’s class order', () => {
    expect(CLASS_ORDER).toEqual([2, 3, 1, 7, 9, 6, 8, 5, 0, 4]);
  });
});
