import { SimkitError } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { type BackendFlags, makeSearch, makeStore, SEARCH_NAMES, STORE_NAMES } from '../backends.js';
import {
  type Command,
  type CommandContext,
  INPUT_OPTIONS,
  intOption,
  type OptionSpec,
  stringOption,
} from '../command.js';
import { UsageError } from '../errors.js';
import { readData, readLabels, readRows } from '../inputs.js';
import { type OpenedIndex, fromIndexer, fromModel, loadModel, openIndex, savedKind } from '../open-index.js';
import { formatSummary } from '../outputs.js';

/** Flags that choose and tune the search and the store. */
export const BACKEND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  distance: {
    type: 'string',
    short: 'd',
    value: 'NAME',
    help: 'cosine (default), euclidean, squared_euclidean, manhattan, inner_product, snr',
  },
  search: { type: 'string', value: 'NAME', help: `search backend: ${SEARCH_NAMES.join(', ')} (default linear: exact)` },
  store: { type: 'string', value: 'NAME', help: `record store: ${STORE_NAMES.join(', ')} (default memory)` },
  m: { type: 'string', value: 'N', help: 'hnsw/usearch: links per node (default 16)' },
  'ef-construction': {
    type: 'string',
    value: 'N',
    help: 'hnsw/usearch: candidates while building (default 200 / 128)',
  },
  ef: { type: 'string', value: 'N', help: 'hnsw/usearch: candidates while searching (default 50 / 64)' },
  quantization: { type: 'string', value: 'Q', help: 'usearch: f32 (default), f16 or i8' },
};

/** The backend flags a command was given. */
export function backendFlags(ctx: CommandContext): BackendFlags {
  return {
    search: stringOption(ctx, 'search') ?? 'linear',
    store: stringOption(ctx, 'store') ?? 'memory',
    m: intOption(ctx, 'm', undefined, 2, 1024),
    efConstruction: intOption(ctx, 'ef-construction', undefined, 1, 1 << 20),
    efSearch: intOption(ctx, 'ef', undefined, 1, 1 << 20),
    ...(stringOption(ctx, 'quantization') !== undefined && { quantization: stringOption(ctx, 'quantization') }),
  };
}

/** Builds an empty index of `dim`-dimensional embeddings with the backends the flags choose. */
export async function makeIndexer(
  ctx: CommandContext,
  distance: string,
  dim: number,
  extra: { statBufferSize?: number; embeddingOutput?: number | null } = {},
): Promise<Indexer> {
  const flags = backendFlags(ctx);
  const search = await makeSearch(flags, distance, dim);
  const store = await makeStore(flags);
  try {
    return new Indexer({
      embeddingSize: dim,
      distance,
      search,
      store,
      onProgress: ctx.onProgress,
      logger: ctx.logger,
      ...extra,
    });
  } catch (error) {
    await store.close?.();
    throw error;
  }
}

/** Where the new records go: an existing save (with --append), a model's new index, or a new index. */
async function target(ctx: CommandContext, out: string, dim: number): Promise<{ opened: OpenedIndex; fresh: boolean }> {
  const append = ctx.values.append === true;
  const modelDir = stringOption(ctx, 'model');
  const kind = await savedKind(out);
  if (kind !== undefined) {
    if (!append) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `'${out}' already holds a simkit save; pass --append to add these records to it, or choose another --out.`,
      );
    }
    if (modelDir !== undefined)
      throw new UsageError('--model and --append: the save at --out already has its model; drop --model.', 'index');
    if (ctx.values.distance !== undefined || ctx.values.search !== undefined || ctx.values.store !== undefined) {
      throw new UsageError(
        '--append adds to the index as it was saved; drop --distance, --search and --store.',
        'index',
      );
    }
    return { opened: await openIndex(out, { logger: ctx.logger, onProgress: ctx.onProgress }), fresh: false };
  }
  const distance = stringOption(ctx, 'distance') ?? 'cosine';
  if (modelDir !== undefined) {
    if ((await savedKind(modelDir)) !== 'similarity-model') {
      throw new UsageError(`--model ${modelDir}: no SimilarityModel is saved there.`, 'index');
    }
    const model = await loadModel(modelDir, ctx.logger, false);
    const flags = backendFlags(ctx);
    const size = model.model.outputs[model.embeddingOutput]?.shape.at(-1);
    if (typeof size !== 'number')
      throw new SimkitError('UNSUPPORTED', `The model in '${modelDir}' has no fixed embedding size.`);
    model.createIndex({ distance, search: await makeSearch(flags, distance, size), store: await makeStore(flags) });
    return { opened: { ...fromModel(model, out), save: () => model.save(out) }, fresh: true };
  }
  return { opened: fromIndexer(await makeIndexer(ctx, distance, dim), out), fresh: true };
}

/** `simkit index`: embeddings (with labels and data) → a saved index. */
export const indexCommand: Command = {
  name: 'index',
  summary: 'build a saved index from embeddings (or raw inputs and a saved model)',
  usage: '<embeddings> --out DIR [options]',
  positionals: [1, 1],
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'directory to save the index into (required)' },
    labels: {
      type: 'string',
      short: 'l',
      value: 'FILE',
      help: 'labels, one per row (.npy, or text with one per line)',
    },
    data: { type: 'string', value: 'FILE', help: 'record data as JSON lines, one value per row' },
    model: {
      type: 'string',
      value: 'DIR',
      help: 'a saved SimilarityModel: the rows are its raw inputs, and --out gets model + index',
    },
    append: { type: 'boolean', help: 'add to the index already saved at --out' },
    ...BACKEND_OPTIONS,
    ...INPUT_OPTIONS,
  },
  details: `Inputs: .npy (rows × dim), .npz (its "embeddings", "labels" and "data" arrays, or file.npz:name),
JSON lines ([0.1, 0.2] or {"embedding": [...], "label": 3, "data": {...}}), CSV/TSV with or without a
header (columns "label" and "data" are not part of the embedding), or - for stdin.

Examples:
  simkit index embeddings.npy --labels labels.npy --out my-index
  simkit index vectors.csv --search hnsw --m 32 --out my-index
  cat more.jsonl | simkit index - --out my-index --append`,
  async run(ctx) {
    const out = stringOption(ctx, 'out');
    if (out === undefined) throw new UsageError("'simkit index' needs --out DIR: where to save the index.", 'index');
    const rows = await readRows(ctx.positionals[0] as string, ctx.read);
    const labelsFile = stringOption(ctx, 'labels');
    const dataFile = stringOption(ctx, 'data');
    const labels = labelsFile !== undefined ? await readLabels(labelsFile, ctx.read) : rows.labels;
    const data = dataFile !== undefined ? await readData(dataFile, ctx.read) : rows.data;
    const started = performance.now();
    const { opened, fresh } = await target(ctx, out, rows.width);
    try {
      const embeddings = await opened.embed(rows);
      const before = opened.indexer.size();
      const ids = await opened.indexer.batchAdd(embeddings, labels ?? null, data ?? null);
      ctx.status(`indexed ${ids.length} records; saving to ${out}`);
      await opened.save();
      const ix = opened.indexer;
      ctx.io.stdout.write(
        formatSummary(
          {
            out,
            kind: opened.kind,
            added: ids.length,
            size: ix.size(),
            previous: fresh ? null : before,
            first_id: ids.length > 0 ? ids[0] : null,
            last_id: ids.length > 0 ? ids[ids.length - 1] : null,
            embedding_size: ix.embeddingSize,
            distance: ix.distance.name,
            search: ix.search.toConfig().type,
            store: ix.store.toConfig().type,
            seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
          },
          ctx.format,
        ),
      );
    } finally {
      await opened.close();
    }
  },
};
