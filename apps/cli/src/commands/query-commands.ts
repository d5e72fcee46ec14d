import { SimkitError } from '@simkit/core';
import { makeRetrievalMetric } from '@simkit/retrieval-metrics';
import { type Command, INPUT_OPTIONS, intOption, numberOption, type OptionSpec, stringOption } from '../command.js';
import { UsageError } from '../errors.js';
import { formatRows, formatSummary, jsonText } from '../outputs.js';
import { queryLabels, readQueries, withIndex } from './queries.js';

const K_MAX = 100_000;

/** --labels of the commands that need the label of every query. */
const QUERY_LABELS_OPTION: OptionSpec = {
  type: 'string',
  short: 'l',
  value: 'FILE',
  help: 'labels of the queries (default: the labels the query file carries)',
};

/** --matcher of the commands that turn neighbours into a label. */
const MATCHER_OPTION: OptionSpec = {
  type: 'string',
  value: 'NAME',
  help: 'match_nearest (default) or match_majority_vote',
};

/** `simkit lookup`: the k nearest indexed records of each query. */
export const lookupCommand: Command = {
  name: 'lookup',
  summary: 'find the k nearest indexed records of each query',
  usage: '<index-dir> <queries> [options]',
  positionals: [2, 2],
  options: {
    k: { type: 'string', short: 'k', value: 'N', help: 'neighbours per query (default 5)' },
    ...INPUT_OPTIONS,
  },
  details: `<index-dir> is a directory saved by 'simkit index', Indexer.save or SimilarityModel.save (then the
queries are raw model inputs). Queries are read like 'simkit index' inputs; - reads stdin.

Example:
  simkit lookup my-index queries.npy -k 3 --format csv`,
  async run(ctx) {
    const k = intOption(ctx, 'k', 5, 1, K_MAX);
    await withIndex(ctx, async (opened) => {
      const { embeddings } = await readQueries(ctx, opened);
      const lookups = await opened.indexer.batchLookup(embeddings, k);
      if (ctx.format === 'json') {
        const out = lookups.map((row) =>
          row.map(({ rank, id, distance, label, data }) => ({ rank, id, distance, label, data })),
        );
        ctx.io.stdout.write(jsonText({ k, lookups: out }));
        return;
      }
      const rows = lookups.flatMap((row, q) =>
        row.map((l) => ({ query: q, rank: l.rank, id: l.id, distance: l.distance, label: l.label, data: l.data })),
      );
      ctx.io.stdout.write(formatRows(rows, ['query', 'rank', 'id', 'distance', 'label', 'data'], ctx.format));
    });
  },
};

/** `simkit match`: the label of each query at a calibrated cutpoint. */
export const matchCommand: Command = {
  name: 'match',
  summary: 'label each query at a calibrated distance cutpoint, or say it matches nothing',
  usage: '<index-dir> <queries> [options]',
  positionals: [2, 2],
  options: {
    cutpoint: { type: 'string', short: 'c', value: 'NAME', help: "cutpoint name (default optimal), or 'all'" },
    k: { type: 'string', short: 'k', value: 'N', help: 'neighbours the matcher looks at (default 1)' },
    matcher: MATCHER_OPTION,
    'no-match-label': { type: 'string', value: 'N', help: 'label of a query beyond the cutpoint (default -1)' },
    ...INPUT_OPTIONS,
  },
  details: `The index must be calibrated first ('simkit calibrate').

Example:
  simkit match my-index new.npy --json`,
  async run(ctx) {
    const cutpoint = stringOption(ctx, 'cutpoint') ?? 'optimal';
    const k = intOption(ctx, 'k', 1, 1, K_MAX);
    const noMatchLabel = intOption(ctx, 'no-match-label', -1, -(2 ** 31), 2 ** 31 - 1);
    const matcher = stringOption(ctx, 'matcher') ?? 'match_nearest';
    await withIndex(ctx, async (opened) => {
      const ix = opened.indexer;
      if (!ix.isCalibrated) {
        throw new SimkitError(
          'NOT_CALIBRATED',
          `The index in '${opened.dir}' is not calibrated; run 'simkit calibrate ${opened.dir} <queries> --labels <file>' first.`,
        );
      }
      const { embeddings } = await readQueries(ctx, opened);
      const byCutpoint: Record<string, Int32Array> =
        cutpoint === 'all'
          ? await ix.match(embeddings, { cutpoint: 'all', k, noMatchLabel, matcher })
          : { [cutpoint]: await ix.match(embeddings, { cutpoint, k, noMatchLabel, matcher }) };
      const names = Object.keys(byCutpoint);
      if (ctx.format === 'json') {
        const cutpoints = Object.fromEntries(
          names.map((n) => [
            n,
            { distance: ix.cutpoints?.[n]?.distance ?? null, labels: Array.from(byCutpoint[n] as Int32Array) },
          ]),
        );
        ctx.io.stdout.write(jsonText({ noMatchLabel, cutpoints }));
        return;
      }
      const rows = [...Array(embeddings.rows).keys()].map((q) => ({
        query: q,
        ...Object.fromEntries(names.map((n) => [names.length === 1 ? 'label' : n, (byCutpoint[n] as Int32Array)[q]])),
      }));
      ctx.io.stdout.write(formatRows(rows, ['query', ...(names.length === 1 ? ['label'] : names)], ctx.format));
    });
  },
};

/** Parses `name=value` targets of --target. */
function targets(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of values) {
    const m = /^([A-Za-z0-9_.@-]+)=([0-9.eE+-]+)$/.exec(t);
    const v = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(v))
      throw new UsageError(`--target ${t}: expected NAME=VALUE, e.g. 0.99=0.99 or strict=0.995.`, 'calibrate');
    out[m[1] as string] = v;
  }
  return out;
}

/** `simkit calibrate`: finds the distance cutpoints on labelled queries and saves them with the index. */
export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: 'find the distance cutpoints that best separate matches on labelled queries, and save them',
  usage: '<index-dir> <queries> [--labels FILE] [options]',
  positionals: [2, 2],
  options: {
    labels: QUERY_LABELS_OPTION,
    metric: { type: 'string', value: 'NAME', help: 'calibration metric: f1 (default), precision, recall, accuracy, …' },
    target: {
      type: 'string',
      short: 't',
      multiple: true,
      value: 'NAME=V',
      help: 'an extra cutpoint where the metric first reaches V',
    },
    k: { type: 'string', short: 'k', value: 'N', help: 'neighbours per query (default 1)' },
    matcher: MATCHER_OPTION,
    'dry-run': { type: 'boolean', help: 'print the cutpoints without saving them' },
    ...INPUT_OPTIONS,
  },
  details: `The calibration is saved into <index-dir> (an atomic save: a crash leaves the old or the new one).

Example:
  simkit calibrate my-index calib.npy --labels calib-labels.npy --target 0.99=0.99`,
  async run(ctx) {
    const k = intOption(ctx, 'k', 1, 1, K_MAX);
    const metric = stringOption(ctx, 'metric') ?? 'f1';
    const thresholdsTargets = targets((ctx.values.target as string[] | undefined) ?? []);
    await withIndex(ctx, async (opened) => {
      const { rows, embeddings } = await readQueries(ctx, opened);
      const labels = await queryLabels(ctx, rows, 'calibrate');
      const result = await opened.indexer.calibrate(embeddings, labels, {
        calibrationMetric: metric,
        thresholdsTargets,
        k,
        matcher: stringOption(ctx, 'matcher') ?? 'match_nearest',
      });
      if (ctx.values['dry-run'] !== true) {
        await opened.save();
        ctx.status(`saved the calibration into ${opened.dir}`);
      }
      const cutpoints = Object.values(result.cutpoints);
      if (ctx.format === 'json') {
        ctx.io.stdout.write(jsonText({ metric, cutpoints: result.cutpoints }));
        return;
      }
      const columns = [...new Set(cutpoints.flatMap((c) => Object.keys(c)))];
      const ordered = ['name', 'distance', ...columns.filter((c) => c !== 'name' && c !== 'distance')];
      ctx.io.stdout.write(formatRows(cutpoints as unknown as Array<Record<string, unknown>>, ordered, ctx.format));
    });
  },
};

/** `simkit evaluate`: retrieval metrics, and classification metrics at each cutpoint when calibrated. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'retrieval metrics (recall@k, precision@k, map@k, ndcg@k) and, when calibrated, classification metrics',
  usage: '<index-dir> <queries> [--labels FILE] [options]',
  positionals: [2, 2],
  options: {
    labels: QUERY_LABELS_OPTION,
    retrieval: {
      type: 'string',
      short: 'r',
      value: 'LIST',
      help: 'retrieval metrics, comma-separated (default recall@1,recall@5,precision@5,map@5)',
    },
    'drop-closest': {
      type: 'boolean',
      help: "skip each query's closest lookup (when the queries are themselves indexed)",
    },
    'distance-threshold': { type: 'string', value: 'D', help: 'lookups farther than D are not relevant (ndcg)' },
    classification: { type: 'boolean', help: 'only the classification metrics (needs a calibrated index)' },
    'no-classification': { type: 'boolean', help: 'only the retrieval metrics' },
    k: { type: 'string', short: 'k', value: 'N', help: 'classification: neighbours per query (default 1)' },
    ...INPUT_OPTIONS,
  },
  details: `Example:
  simkit evaluate my-index test.npy --labels test-labels.npy -r recall@1,map@10`,
  async run(ctx) {
    if (ctx.values.classification === true && ctx.values['no-classification'] === true) {
      throw new UsageError('--classification and --no-classification exclude each other.', 'evaluate');
    }
    const list = (stringOption(ctx, 'retrieval') ?? 'recall@1,recall@5,precision@5,map@5')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const threshold = numberOption(ctx, 'distance-threshold');
    const metrics = list.map((name) =>
      makeRetrievalMetric(name, {
        ...(ctx.values['drop-closest'] === true && { dropClosestLookup: true }),
        ...(threshold !== undefined && { distanceThreshold: threshold }),
      }),
    );
    const k = intOption(ctx, 'k', 1, 1, K_MAX);
    await withIndex(ctx, async (opened) => {
      const ix = opened.indexer;
      const { rows, embeddings } = await readQueries(ctx, opened);
      const labels = await queryLabels(ctx, rows, 'evaluate');
      const summary: Record<string, unknown> = {};
      if (ctx.values.classification !== true)
        Object.assign(summary, await ix.evaluateRetrieval(embeddings, labels, metrics));
      const wantClassification =
        ctx.values.classification === true || (ctx.values['no-classification'] !== true && ix.isCalibrated);
      let classification: Record<string, Record<string, number>> | undefined;
      if (wantClassification) {
        if (!ix.isCalibrated) {
          throw new SimkitError(
            'NOT_CALIBRATED',
            `The index in '${opened.dir}' is not calibrated; run 'simkit calibrate' first, or drop --classification.`,
          );
        }
        classification = await ix.evaluateClassification(embeddings, labels, { k });
      }
      if (ctx.format === 'json') {
        ctx.io.stdout.write(
          jsonText({
            queries: rows.rows,
            retrieval: ctx.values.classification === true ? null : summary,
            classification: classification ?? null,
          }),
        );
        return;
      }
      const table = Object.entries(summary).map(([metric, value]) => ({
        metric,
        cutpoint: null as string | null,
        value,
      }));
      for (const [cutpoint, values] of Object.entries(classification ?? {})) {
        for (const [metric, value] of Object.entries(values)) table.push({ metric, cutpoint, value });
      }
      ctx.io.stdout.write(formatRows(table, ['metric', 'cutpoint', 'value'], ctx.format));
    });
  },
};

/** `simkit info`: what a saved index holds. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'summary and statistics of a saved index',
  usage: '<index-dir> [options]',
  positionals: [1, 1],
  options: {},
  details: `Example:
  simkit info my-index --json`,
  async run(ctx) {
    await withIndex(ctx, async (opened) => {
      const ix = opened.indexer;
      const labels = new Map<number | null, number>();
      let withData = 0;
      for await (const r of ix.store.entries()) {
        labels.set(r.label, (labels.get(r.label) ?? 0) + 1);
        if (r.data !== null) withData++;
      }
      const unlabelled = labels.get(null) ?? 0;
      labels.delete(null);
      const info = {
        dir: opened.dir,
        kind: opened.kind,
        size: ix.size(),
        embedding_size: ix.embeddingSize,
        distance: ix.distance.name,
        search: ix.search.toConfig(),
        store: ix.store.toConfig(),
        labelled: ix.size() - unlabelled,
        classes: labels.size,
        with_data: withData,
        calibrated: ix.isCalibrated,
        cutpoints: ix.cutpoints ?? null,
        stat_buffer_size: ix.statBufferSize,
      };
      if (ctx.format === 'json') {
        ctx.io.stdout.write(
          jsonText({
            ...info,
            label_counts: Object.fromEntries([...labels].sort((a, b) => (a[0] as number) - (b[0] as number))),
          }),
        );
        return;
      }
      const flat = {
        ...info,
        search: `${info.search.type} ${JSON.stringify(info.search.config)}`,
        store: `${info.store.type} ${JSON.stringify(info.store.config)}`,
        cutpoints:
          info.cutpoints === null
            ? null
            : Object.values(info.cutpoints)
                .map((c) => `${c.name} ≤ ${c.distance}`)
                .join('; '),
      };
      ctx.io.stdout.write(formatSummary(flat, ctx.format));
    });
  },
};
