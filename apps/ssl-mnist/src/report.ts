// The run's report: one self-contained HTML page (no scripts, no fonts, no network) with the
// kNN-accuracy curve against the random-weights baseline, the loss curve and the settings.
import { escapeXml, lineChart } from '@simkit/hello-mnist/dist/svg-chart.js';
import type { SslResult } from './ssl-job.js';

/** Section titles, in order (the tests look for them). */
export const REPORT_SECTIONS = ['kNN accuracy', 'Training loss', 'Settings and time'] as const;

/** The target the sample is held to: pre-training beats random weights by this many points. */
export const GAIN_TARGET_POINTS = 10;
/** …within this wall time. */
export const TIME_TARGET_S = 300;

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** The mean of each run of `window` consecutive values, for a readable loss curve. */
function smooth(values: readonly number[], window: number): number[] {
  return values.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const part = values.slice(from, i + 1);
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
}

export function renderReport(result: SslResult, wallSeconds: number): string {
  const s = result.settings;
  const steps = [0, ...result.curve.map((p) => p.step)];
  const accuracy = [result.baseline, ...result.curve.map((p) => p.accuracy)];
  const gain = (result.finalAccuracy - result.baseline) * 100;
  const accuracyChart = lineChart({
    title: `kNN accuracy of the backbone's representation (${result.references} labelled references, 1-NN, cosine)`,
    width: 900,
    height: 320,
    xLabel: 'pre-training step',
    yLabel: 'test accuracy',
    series: [
      { name: `${s.algorithm} pre-training`, x: steps, y: accuracy, color: '#1f4e89' },
      { name: 'random weights (baseline)', x: [0, s.steps], y: [result.baseline, result.baseline], color: '#d62728' },
    ],
    yRange: [Math.max(0, Math.min(...accuracy) - 0.05), Math.min(1, Math.max(...accuracy) + 0.05)],
  });
  const window = Math.max(1, Math.round(result.loss.length / 30));
  const x = result.loss.map((_, i) => i + 1);
  const lossChart = lineChart({
    title: `${s.algorithm} loss per step`,
    width: 900,
    height: 280,
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'step loss', x, y: result.loss, color: '#9bb7d4', width: 1 },
      { name: `mean of ${window} steps`, x, y: smooth(result.loss, window), color: '#1f4e89' },
    ],
  });
  const rows = Object.entries(result.timingsMs)
    .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${(v / 1000).toFixed(1)} s</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ssl-mnist: self-supervised pre-training</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#1d1d1f}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px}
.v{font-size:22px;font-weight:600}.k{color:#666;font-size:13px}.ok{color:#1e8449}.bad{color:#c0392b}
table{border-collapse:collapse}td{padding:2px 12px 2px 0}</style></head><body>
<h1>Self-supervised pre-training on MNIST (${escapeXml(s.algorithm)})</h1>
<p>${result.pretrainDigits} digits pre-train the network <em>without their labels</em>: each batch is augmented twice and the ${escapeXml(s.algorithm)} loss pulls the two views of each digit together. The labels are used only to measure: ${result.references} labelled reference digits are indexed by the backbone's representation, and each of the held-out test digits takes the label of its nearest reference.</p>
<div class="cards">
<div class="card"><div class="v">${pct(result.baseline)}</div><div class="k">kNN accuracy, random weights</div></div>
<div class="card"><div class="v">${pct(result.finalAccuracy)}</div><div class="k">after ${s.steps} steps</div></div>
<div class="card"><div class="v ${gain >= GAIN_TARGET_POINTS ? 'ok' : 'bad'}">+${gain.toFixed(1)} pts</div><div class="k">gain (target ≥ ${GAIN_TARGET_POINTS})</div></div>
<div class="card"><div class="v ${wallSeconds <= TIME_TARGET_S ? 'ok' : 'bad'}">${wallSeconds.toFixed(0)} s</div><div class="k">wall time (target ≤ ${TIME_TARGET_S} s)</div></div>
</div>
<h2>kNN accuracy</h2>
${accuracyChart}
<h2>Training loss</h2>
${lossChart}
<h2>Settings and time</h2>
<p>${escapeXml(s.backbone)} backbone (64-d representation), projector 64 → ${s.projector[0]} → ${s.projector[1]}, batches of ${s.batchSize} digits (two views each), adam ${s.learningRate}, seed ${s.seed}, TensorFlow.js ${escapeXml(result.backend)} backend.</p>
<table>${rows}</table>
</body></html>
`;
}
