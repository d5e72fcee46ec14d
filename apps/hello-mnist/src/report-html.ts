import type { JobResult } from './hello-mnist-job.js';
import { IMAGE_SIDE } from './mnist-data.js';
import { encodeGreyPng, pngDataUri } from './png-encoder.js';
import { PROJECTOR_CSS, projectorSvg } from './projector-svg.js';
import { escapeXml, lineChart } from './svg-chart.js';

/** One query of the nearest-neighbour gallery and what the index returned for it. */
export interface GalleryRow {
  readonly query: Float32Array;
  readonly label: number;
  readonly neighbours: ReadonlyArray<{
    readonly image: Float32Array;
    readonly label: number;
    readonly distance: number;
  }>;
}

/** The section titles of the report, in order (the end-to-end test looks for them). */
export const REPORT_SECTIONS = [
  'Summary',
  'Training loss',
  'Training distance metrics',
  'Precision, recall and F1 vs distance',
  'Precision–recall curve',
  'Confusion matrix',
  'Nearest neighbours',
  'Embedding projector',
  'Retrieval metrics',
  'Classification at each cutpoint',
  'Run details',
] as const;

const COLORS = { loss: '#9bb7d4', lossMean: '#1f4e89', precision: '#1f77b4', recall: '#2ca02c', f1: '#d62728' };

function fmt(v: number | undefined, digits = 4): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return v.toFixed(digits);
}

function movingAverage(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= window) sum -= values[i - window] as number;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

function digitImg(values: Float32Array, title: string): string {
  const uri = pngDataUri(encodeGreyPng(values, IMAGE_SIDE, IMAGE_SIDE, { invert: true, scale: 2 }));
  return `<img src="${uri}" width="56" height="56" alt="${escapeXml(title)}" title="${escapeXml(title)}">`;
}

function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>, numericFrom = 1): string {
  const th = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeXml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function confusionTable(result: JobResult): string {
  const { classes, counts } = result.confusion;
  const cols = classes.length + 1;
  const trained = new Set(result.trainClasses);
  let max = 1;
  for (const c of counts) max = Math.max(max, c);
  const head = ['true ↓ matched →', ...classes.map(String), 'unknown'];
  const rows = classes.map((c, r) => {
    const cells = [`<b>${c}</b>${trained.has(c) ? '' : ' <span class="unseen">unseen</span>'}`];
    for (let j = 0; j < cols; j++) {
      const n = counts[r * cols + j] as number;
      const share = n / max;
      const diag = j === r;
      const bg =
        n === 0
          ? '#fff'
          : diag
            ? `rgba(44,160,44,${0.15 + 0.7 * share})`
            : `rgba(214,39,40,${0.15 + 0.85 * Math.min(1, share * 4)})`;
      cells.push(`<span class="cell" style="background:${bg}">${n === 0 ? '' : n}</span>`);
    }
    return cells;
  });
  return table(head, rows);
}

function gallery(rows: readonly GalleryRow[], trained: ReadonlySet<number>): string {
  return rows
    .map((row) => {
      const neighbours = row.neighbours
        .map((n) => {
          const ok = n.label === row.label;
          return `<figure class="${ok ? 'hit' : 'miss'}">${digitImg(n.image, `label ${n.label}`)}<figcaption>${n.label} · ${fmt(n.distance, 3)}</figcaption></figure>`;
        })
        .join('');
      const tag = trained.has(row.label) ? '' : '<span class="unseen">unseen</span>';
      return `<div class="nn-row"><figure class="query">${digitImg(row.query, `query ${row.label}`)}<figcaption>query ${row.label} ${tag}</figcaption></figure><span class="arrow">→</span>${neighbours}</div>`;
    })
    .join('\n');
}

function projectorSection(result: JobResult): string {
  const p = result.projection;
  if (p === null) return '<p class="sub">No test digits were projected.</p>';
  const unseen = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => !result.trainClasses.includes(c));
  return `<p class="sub">The model's embeddings of the first ${p.labels.length} test digits, mapped to 2-D with UMAP (umap-js, ${p.nNeighbors} neighbours, min_dist ${p.minDist}, ${p.epochs} epochs, seeded by the run's seed), as TensorFlow Similarity's projector shows them. Colour = true label; hollow markers are the ${unseen.length} classes never seen in training (${unseen.join(', ')}). Hover a point to see its digit and label. Distances on the map only roughly follow the embedding's: near points are similar digits, but the gaps between clusters mean little.</p>
${projectorSvg(p, result.trainClasses)}`;
}

/** The whole report as one self-contained HTML page: inline CSS, inline SVG, data-URI PNGs, no scripts. */
export function renderReport(result: JobResult, galleryRows: readonly GalleryRow[]): string {
  const th = result.calibration.thresholds;
  const distance = th.distance ?? [];
  const optimal = result.calibration.cutpoints.optimal;
  const finiteDistances = distance.filter((d) => Number.isFinite(d));
  const maxDistance = Math.max(0.05, ...finiteDistances);
  const s = result.settings;
  const trained = new Set(result.trainClasses);
  const steps = result.lossHistory.map((_, i) => i + 1);
  const window = Math.max(1, Math.round(result.lossHistory.length / 30));
  const test = result.classification.optimal ?? {};
  const wall = Object.values(result.timingsMs).reduce((a, b) => a + b, 0);

  const lossChart = lineChart({
    title: 'Multi-similarity loss per training step',
    width: 1100,
    height: 300,
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'step loss', x: steps, y: result.lossHistory, color: COLORS.loss, width: 1 },
      {
        name: `mean of ${window} steps`,
        x: steps,
        y: movingAverage(result.lossHistory, window),
        color: COLORS.lossMean,
      },
    ],
    yRange: [0, Math.max(0.1, ...result.lossHistory.slice(Math.min(5, result.lossHistory.length - 1)))],
  });
  const metricColors = ['#000000', '#d62728', '#1f77b4', '#ff9896', '#aec7e8'];
  const distanceChart = lineChart({
    title: `Distance metrics of each training batch (${window}-step moving average)`,
    width: 1100,
    height: 300,
    xLabel: 'step',
    yLabel: 'cosine distance',
    series: Object.entries(result.trainingMetrics).map(([name, values], i) => ({
      name,
      x: steps,
      y: movingAverage(values, window),
      color: metricColors[i % metricColors.length] as string,
    })),
  });
  const marker = optimal ? [{ x: optimal.distance, label: `optimal ${fmt(optimal.distance, 3)}`, color: '#000' }] : [];
  const metricChart = lineChart({
    title: 'Calibration metrics vs distance threshold',
    xLabel: 'distance threshold (cosine)',
    yLabel: 'metric',
    series: [
      { name: 'precision', x: distance, y: th.precision ?? [], color: COLORS.precision, step: true },
      { name: 'recall', x: distance, y: th.recall ?? [], color: COLORS.recall, step: true },
      { name: 'f1', x: distance, y: th.f1 ?? th.value ?? [], color: COLORS.f1, step: true },
    ],
    markers: marker,
    xRange: [0, maxDistance],
    yRange: [0, 1],
  });
  const prChart = lineChart({
    title: 'Precision–recall curve (calibration digits)',
    xLabel: 'recall',
    yLabel: 'precision',
    series: [{ name: 'precision vs recall', x: th.recall ?? [], y: th.precision ?? [], color: COLORS.precision }],
    markers: optimal
      ? [
          {
            x: optimal.recall ?? 0,
            y: optimal.precision ?? 0,
            label: `optimal (f1 ${fmt(optimal.value, 3)})`,
            color: '#000',
          },
        ]
      : [],
    xRange: [0, 1],
    yRange: [Math.max(0, Math.min(...(th.precision ?? [0])) - 0.02), 1],
  });

  const cutpointRows = Object.values(result.calibration.cutpoints).map((cp) => [
    escapeXml(cp.name),
    fmt(cp.value),
    fmt(cp.distance),
    fmt(cp.precision),
    fmt(cp.recall),
    fmt(cp.binary_accuracy),
  ]);
  const classificationRows = Object.entries(result.classification).map(([name, m]) => [
    escapeXml(name),
    ...['f1', 'precision', 'recall', 'binary_accuracy'].map((k) => fmt(m[k])),
  ]);
  const retrievalRows = Object.entries(result.retrieval).map(([k, v]) => [escapeXml(k), fmt(v)]);
  const timingRows = Object.entries(result.timingsMs).map(([k, v]) => [escapeXml(k), (v / 1000).toFixed(1)]);
  const matchRows = result.sampleMatches.map((m) => [
    m.predicted === -1 ? 'unknown' : String(m.predicted),
    String(m.expected),
    m.predicted === m.expected ? '✓' : '✗',
  ]);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hello-mnist report</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
  h1 { font-size: 22px; margin-bottom: 4px; }
  h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
  .sub { color: #666; margin-top: 0; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
  .card .v { font-size: 22px; font-weight: 600; }
  .card .k { color: #666; font-size: 12px; }
  .ok { color: #207a20; } .bad { color: #b00020; }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  table { border-collapse: collapse; margin: 8px 0; }
  th, td { border: 1px solid #ddd; padding: 3px 8px; }
  th { background: #f5f5f5; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .cell { display: block; min-width: 34px; text-align: right; padding: 1px 3px; }
  .unseen { font-size: 11px; color: #8a5a00; background: #fff3d6; border-radius: 3px; padding: 0 4px; }
  .nn-row { display: flex; align-items: center; gap: 8px; margin: 6px 0; }
  figure { margin: 0; text-align: center; font-size: 11px; }
  figure img { display: block; image-rendering: pixelated; border: 2px solid transparent; }
  figure.hit img { border-color: #2ca02c; } figure.miss img { border-color: #d62728; }
  figure.query img { border-color: #444; }
  .arrow { font-size: 20px; color: #888; }
  .cols { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
  ${PROJECTOR_CSS}
</style>
</head>
<body>
<h1>hello-mnist — similarity learning on MNIST digits</h1>
<p class="sub">Trained on classes ${result.trainClasses.join(', ')} only; indexed ${result.indexSize} digits of all 10 classes; calibrated on ${s.calibrationSize} held-out digits; tested on ${s.testSize} others. Backend: ${escapeXml(result.backend)}.</p>

<h2 id="summary">Summary</h2>
<div class="cards">
  <div class="card"><div class="v">${fmt(result.f1)}</div><div class="k">calibrated F1 (optimal)</div></div>
  <div class="card"><div class="v">${fmt(optimal?.distance)}</div><div class="k">cutpoint distance</div></div>
  <div class="card"><div class="v">${fmt(optimal?.precision)}</div><div class="k">precision (calibration)</div></div>
  <div class="card"><div class="v">${fmt(optimal?.recall)}</div><div class="k">recall (calibration)</div></div>
  <div class="card"><div class="v">${fmt(test.f1)}</div><div class="k">F1 on test digits</div></div>
  <div class="card"><div class="v">${fmt(result.retrieval['recall@1'])}</div><div class="k">recall@1 (test)</div></div>
  <div class="card"><div class="v ${result.reload.ok ? 'ok' : 'bad'}">${result.reload.ok ? 'OK' : 'FAIL'}</div><div class="k">save → reload identical</div></div>
  <div class="card"><div class="v">${(wall / 1000).toFixed(1)} s</div><div class="k">job time (after start-up)</div></div>
</div>

<h2 id="training-loss">Training loss</h2>
${lossChart}

<h2 id="training-distance-metrics">Training distance metrics</h2>
<p>TensorFlow Similarity's training metrics on each batch the loss saw (the learned embedding, before the step's update): <code>max_pos</code> is the largest distance from an anchor to its farthest same-class digit, <code>min_neg</code> the smallest over anchors of the distance to the farthest other-class digit (as TF Similarity computes it), <code>mean_pos</code> and <code>mean_neg</code> their means, and <code>dist_gap</code> = |min_neg − max_pos|.</p>
${distanceChart}

<div class="charts">
<section>
<h2 id="metrics-vs-distance">Precision, recall and F1 vs distance</h2>
${metricChart}
</section>
<section>
<h2 id="pr-curve">Precision–recall curve</h2>
${prChart}
</section>
</div>
${table(['cutpoint', 'f1', 'distance', 'precision', 'recall', 'binary accuracy'], cutpointRows)}

<h2 id="confusion-matrix">Confusion matrix</h2>
<p class="sub">Test digits matched at the optimal cutpoint; “unknown” means no indexed digit was within ${fmt(optimal?.distance, 3)}.</p>
${confusionTable(result)}

<h2 id="nearest-neighbours">Nearest neighbours</h2>
<p class="sub">One test digit per class and its ${s.neighbours} nearest indexed digits (label · cosine distance); green = same class, red = another.</p>
${gallery(galleryRows, trained)}

<h2 id="projector">Embedding projector</h2>
${projectorSection(result)}

<div class="cols">
<section>
<h2 id="retrieval">Retrieval metrics</h2>
${table(['metric', 'value'], retrievalRows)}
</section>
<section>
<h2 id="classification">Classification at each cutpoint</h2>
${table(['cutpoint', 'f1', 'precision', 'recall', 'binary accuracy'], classificationRows)}
<p class="sub">On the ${s.testSize} test digits, at each cutpoint's distance.</p>
</section>
<section>
<h2 id="matches">First test matches</h2>
${table(['predicted', 'expected', 'correct'], matchRows, 3)}
</section>
</div>

<h2 id="details">Run details</h2>
<div class="cols">
${table(['phase', 'seconds'], timingRows)}
${table(
  ['setting', 'value'],
  [
    ['seed', String(s.seed)],
    ['epochs × steps', `${s.epochs} × ${s.stepsPerEpoch}`],
    ['learning rate', String(s.learningRate)],
    ['batch', `${result.trainClasses.length} classes × ${s.examplesPerClassPerBatch}`],
    ['features', featuresVariant(s)],
    ['model', escapeXml(describeArchitecture(s))],
    [
      'augmentation',
      `shift ±${s.augment.maxShift}px, rotate ±${s.augment.maxRotation}°, scale ±${s.augment.maxScale * 100}%`,
    ],
    [
      'reload check',
      escapeXml(result.reload.ok ? `identical on ${result.reload.queries} queries` : result.reload.problems.join('; ')),
    ],
  ],
  2,
)}
</div>
</body>
</html>
`;
}

/**
 * Which variant of the model a run trained: `learned` (every feature comes from trained
 * layers: no fixed convolution, no hand-made shape features) or `hybrid`.
 */
export function featuresVariant(s: JobResult['settings']): 'learned' | 'hybrid' {
  const a = s.architecture;
  return a.stemFilters === 0 && (a.shapeWeight === 0 || a.shapeFeatures === 'conv') ? 'learned' : 'hybrid';
}

/**
 * The model in one line, e.g. `deskew → fixed conv 96×5×5 → max-pool 4 → dense 256 relu →
 * MetricEmbedding 128, joined with gradient histograms of the deskewed digit (…) (60% of the cosine)`.
 */
export function describeArchitecture(s: JobResult['settings']): string {
  const a = s.architecture;
  const parts: string[] = [];
  if (a.deskew) parts.push('deskew');
  if (a.stemFilters > 0)
    parts.push(`fixed conv ${a.stemFilters}×${a.stemKernel}×${a.stemKernel}`, `max-pool ${a.stemPool}`);
  for (const f of a.convFilters) parts.push(`conv 3×3 ${f} relu`, 'max-pool 2');
  for (const h of a.hidden) parts.push(`dense ${h} relu`);
  parts.push(`MetricEmbedding ${a.embeddingSize}`);
  const chain = parts.join(' → ');
  if (a.shapeWeight === 0) return chain;
  const of = a.deskew ? 'the deskewed digit' : 'the digit';
  const features =
    a.shapeFeatures === 'conv'
      ? 'its own conv responses (the last max-pool, flattened)'
      : a.shapeFeatures === 'gradients'
        ? `gradient histograms of ${of} (8 orientations per 4×4 cell)`
        : `the pixels of ${of}${a.pixelBlur > 1 ? `, mean-filtered ${a.pixelBlur}×${a.pixelBlur}` : ''}`;
  return `${chain}, joined with ${features} (${Math.round(a.shapeWeight * 100)}% of the cosine)`;
}
