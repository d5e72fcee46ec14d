// The static files the build exports from hello-mnist's model save (scripts/export-assets.mjs),
// fetched and checked before anything uses them.
import { SimkitError } from '@simkit/core';
import type { Indexer } from '@simkit/indexer';

/** A calibration result, as `Indexer.calibrationResult` gives it and `restoreCalibration` takes it. */
export type CalibrationResult = Parameters<Indexer['restoreCalibration']>[0];

/** Side of a digit image in pixels, and values per image. */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** A calibration as `Indexer.calibrationResult` gives it, with the metric it optimised. */
export interface ExportedCalibration {
  readonly metric: string;
  readonly result: CalibrationResult;
}

/** `assets.json`: what the build exported and where the binary parts are. */
export interface AssetsManifest {
  readonly format: 'simkit-web-assets';
  readonly version: 1;
  /** The id of the model save the assets come from; the browser's copy of the index is kept per id. */
  readonly modelId: string;
  readonly distance: string;
  readonly dim: number;
  readonly count: number;
  readonly labels: readonly (number | null)[];
  readonly calibration: ExportedCalibration;
  readonly strip: { readonly labels: readonly number[] };
  readonly files: {
    readonly model: string;
    readonly embeddings: string;
    readonly images: string;
    readonly strip: string;
  };
}

/** The manifest with its binary parts fetched and checked. */
export interface WebAssets {
  readonly manifest: AssetsManifest;
  /** `count × dim` embeddings of the indexed digits, as hello-mnist indexed them. */
  readonly embeddings: Float32Array;
  /** `count × 784` grey levels 0..255 of the indexed digits. */
  readonly images: Uint8Array;
  /** `strip.labels.length × 784` grey levels of digits to try. */
  readonly strip: Uint8Array;
  /** Absolute URL of model.json, for `SimilarityModel.load`'s `modelSource`. */
  readonly modelUrl: string;
}

function corrupt(message: string): SimkitError {
  return new SimkitError('CORRUPT_INDEX', `${message} Rebuild the app (pnpm --filter @simkit/web build).`);
}

async function fetchBytes(url: URL, what: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw corrupt(`Fetching ${what} (${url.pathname}) failed with HTTP ${response.status}.`);
  return response.arrayBuffer();
}

function checkManifest(m: unknown): asserts m is AssetsManifest {
  const o = m as Partial<AssetsManifest> | null;
  if (o === null || typeof o !== 'object' || o.format !== 'simkit-web-assets')
    throw corrupt('assets.json is not a simkit web assets manifest.');
  if (o.version !== 1) throw corrupt(`assets.json has version ${String(o.version)}; this app reads version 1.`);
  const okCount = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
  if (typeof o.modelId !== 'string' || !/^[\w-]+$/.test(o.modelId)) throw corrupt('assets.json has no valid modelId.');
  if (typeof o.distance !== 'string' || !okCount(o.dim) || !okCount(o.count))
    throw corrupt('assets.json lacks distance, dim or count.');
  if (!Array.isArray(o.labels) || o.labels.length !== o.count)
    throw corrupt('assets.json has a label list of the wrong length.');
  if (typeof o.calibration?.result?.cutpoints?.optimal?.distance !== 'number')
    throw corrupt('assets.json has no optimal cutpoint.');
  if (!Array.isArray(o.strip?.labels) || o.files === undefined)
    throw corrupt('assets.json lacks the strip or the file list.');
}

/**
 * Fetches `assets.json` under `base` and the files it names. A build made without a model
 * answers 404 here: that is NOT_FOUND, with what to run.
 */
export async function loadAssets(base: URL): Promise<WebAssets> {
  const response = await fetch(new URL('assets.json', base));
  if (response.status === 404) {
    throw new SimkitError(
      'NOT_FOUND',
      'This build has no model. Run `pnpm start` (it trains and saves hello-mnist), then `pnpm --filter @simkit/web build`.',
    );
  }
  if (!response.ok) throw corrupt(`Fetching assets.json failed with HTTP ${response.status}.`);
  const manifest: unknown = await response.json();
  checkManifest(manifest);
  const [embeddings, images, strip] = await Promise.all([
    fetchBytes(new URL(manifest.files.embeddings, base), 'the index embeddings'),
    fetchBytes(new URL(manifest.files.images, base), 'the index images'),
    fetchBytes(new URL(manifest.files.strip, base), 'the digit strip'),
  ]);
  const expect = (bytes: ArrayBuffer, size: number, what: string) => {
    if (bytes.byteLength !== size) throw corrupt(`${what} holds ${bytes.byteLength} bytes; assets.json says ${size}.`);
  };
  expect(embeddings, manifest.count * manifest.dim * 4, 'The index embeddings');
  expect(images, manifest.count * PIXELS, 'The index images');
  expect(strip, manifest.strip.labels.length * PIXELS, 'The digit strip');
  return {
    manifest,
    embeddings: new Float32Array(embeddings),
    images: new Uint8Array(images),
    strip: new Uint8Array(strip),
    modelUrl: new URL(manifest.files.model, base).href,
  };
}
