import { type EmbeddingBatch, SimkitError } from '@simkit/core';
import type { CommandContext } from '../command.js';
import { stringOption } from '../command.js';
import { type Rows, readLabels, readRows } from '../inputs.js';
import { type OpenedIndex, openIndex } from '../open-index.js';

/** Opens the index named by the first argument, runs `work`, and always closes it. */
export async function withIndex<T>(ctx: CommandContext, work: (opened: OpenedIndex) => Promise<T>): Promise<T> {
  const dir = ctx.positionals[0] as string;
  const opened = await openIndex(dir, { logger: ctx.logger, onProgress: ctx.onProgress });
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

/** Reads the queries named by the second argument and embeds them for the opened index. */
export async function readQueries(
  ctx: CommandContext,
  opened: OpenedIndex,
): Promise<{ rows: Rows; embeddings: EmbeddingBatch }> {
  const rows = await readRows(ctx.positionals[1] as string, ctx.read);
  return { rows, embeddings: await opened.embed(rows) };
}

/** Labels of the queries: from --labels, else from the query file itself; every query needs one. */
export async function queryLabels(ctx: CommandContext, rows: Rows, what: string): Promise<number[]> {
  const file = stringOption(ctx, 'labels');
  const labels = file !== undefined ? await readLabels(file, ctx.read) : rows.labels;
  if (labels === undefined) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `${what} needs the label of every query: pass --labels FILE, or a query file with labels (a "label" column or key, an npz "labels" array).`,
    );
  }
  if (labels.length !== rows.rows) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Got ${labels.length} labels for ${rows.rows} queries; pass one label per query.`,
    );
  }
  const missing = labels.indexOf(null);
  if (missing >= 0) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Query ${missing + 1} has no label; ${what} needs a label for every query.`,
    );
  }
  return labels as number[];
}
