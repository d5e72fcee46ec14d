import { SimkitError } from '@simkit/core';
import { type Command, stringOption } from '../command.js';
import { UsageError } from '../errors.js';
import { savedKind } from '../open-index.js';
import { formatRows, jsonText } from '../outputs.js';
import { importTfsim } from '../tfsim/import-tfsim.js';
import { BACKEND_OPTIONS, makeIndexer } from './index-command.js';

/** `simkit import-tfsim`: a TensorFlow Similarity index save → a simkit index. */
export const importCommand: Command = {
  name: 'import-tfsim',
  summary: 'read an index saved by TensorFlow Similarity (index_metadata.json + index.npz) into a simkit index',
  usage: '<tfsim-dir> --out DIR [options]',
  positionals: [1, 1],
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'directory to save the simkit index into (required)' },
    ...Object.fromEntries(Object.entries(BACKEND_OPTIONS).filter(([name]) => name !== 'distance')),
  },
  details: `Reads what TensorFlow Similarity's Indexer.save / SimilarityModel.save_index wrote with its memory
store: the embeddings, labels and data of store/index.npz (or index.npz), the distance and the calibration
(cutpoints and thresholds) of index_metadata.json. The search structure is rebuilt by the search you choose.
Everything that could not be carried over is listed.

Example:
  simkit import-tfsim ./tfsim-index --out my-index --search hnsw`,
  async run(ctx) {
    const out = stringOption(ctx, 'out');
    if (out === undefined)
      throw new UsageError("'simkit import-tfsim' needs --out DIR: where to save the simkit index.", 'import-tfsim');
    if ((await savedKind(out)) !== undefined) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `'${out}' already holds a simkit save; choose another --out (an import never overwrites an index).`,
      );
    }
    const { indexer, report } = await importTfsim(ctx.positionals[0] as string, {
      makeIndexer: (spec) =>
        makeIndexer(ctx, spec.distance, spec.embeddingSize, {
          statBufferSize: spec.statBufferSize,
          embeddingOutput: spec.embeddingOutput,
        }),
      onProgress: ctx.onProgress,
    });
    try {
      await indexer.save(out);
    } finally {
      await indexer.close();
    }
    ctx.status(`imported ${report.records} records into ${out}`);
    if (ctx.format === 'json') {
      ctx.io.stdout.write(jsonText({ out, ...report }));
      return;
    }
    const rows = [
      ...report.carried.map((what) => ({ carried: 'yes', what, why: '' })),
      ...report.notCarried.map(({ what, why }) => ({ carried: 'no', what, why })),
    ];
    ctx.io.stdout.write(
      `imported ${report.records} records (dimension ${report.embeddingSize}, ${report.distance}${report.calibrated ? ', calibrated' : ''}) into ${out}\n\n`,
    );
    ctx.io.stdout.write(formatRows(rows, ['carried', 'what', 'why'], ctx.format));
  },
};
