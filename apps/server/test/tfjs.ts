import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * tfjs as @simkit/model sees it. The server does not depend on tfjs itself (it hands the model
 * plain `{ data, shape }` inputs), so the tests load the copy the model package resolves: one
 * tfjs engine for the model we build here and for the SimilarityModel that runs it.
 */
const fromModel = createRequire(createRequire(import.meta.url).resolve('@simkit/model'));

/** The parts of @tensorflow/tfjs-layers the tests use. */
export interface TfLayers {
  sequential(config: { layers: unknown[] }): unknown;
  layers: {
    flatten(config: { inputShape: number[] }): unknown;
    dense(config: { units: number; useBias?: boolean; kernelInitializer?: string; inputShape?: number[] }): unknown;
  };
}

/** Loads @tensorflow/tfjs-layers from where @simkit/model finds it. */
export async function loadTfLayers(): Promise<TfLayers> {
  return (await import(pathToFileURL(fromModel.resolve('@tensorflow/tfjs-layers')).href)) as TfLayers;
}

/**
 * Loads @tensorflow/tfjs-core from where @simkit/model finds it and marks it as under test
 * (tfjs prints a "use tfjs-node" hint on first use of the cpu backend otherwise).
 */
export async function quietTfjs(): Promise<void> {
  const core = (await import(pathToFileURL(fromModel.resolve('@tensorflow/tfjs-core')).href)) as {
    env(): { set(flag: string, value: boolean): void };
  };
  core.env().set('IS_TEST', true);
}
