import { IMAGE_SIDE, IMAGE_SIZE } from './mnist-data.js';
import { encodeGreyPng, pngDataUri } from './png-encoder.js';
import { escapeXml } from './svg-chart.js';

/** Test digits placed on a 2-D map of their embeddings (`projectEmbeddings`). */
export interface ProjectedDigits {
  /** Map coordinates of digit `i`: (`x[i]`, `y[i]`); the units mean nothing, only nearness does. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** True label of each digit. */
  readonly labels: Int32Array;
  /** The digits' pixels, rows × 784 values in 0..1. */
  readonly images: Float32Array;
  /** UMAP's settings, for the report. */
  readonly epochs: number;
  readonly nNeighbors: number;
  readonly minDist: number;
}

/** Ten distinct colours (matplotlib's tab10), one per digit 0..9. */
export const LABEL_COLORS: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/**
 * The stylesheet rules the projector needs (the report puts them in its `<style>`): each
 * point's digit and label stay hidden until the pointer is over the point. No script.
 */
export const PROJECTOR_CSS = `.projector .tip { display: none; }
  .projector .pt:hover .tip { display: inline; }
  .projector .pt:hover > circle { stroke: #000; stroke-width: 2; }
  .projector .pts:hover ~ .hint { display: none; }
  .projector image { image-rendering: pixelated; }
  .projector .tip text { font-size: 13px; font-weight: 600; }`;

const f1 = (v: number) => v.toFixed(1);

function marker(cx: number, cy: number, r: number, color: string, hollow: boolean): string {
  return hollow
    ? `<circle cx="${f1(cx)}" cy="${f1(cy)}" r="${r}" fill="#fff" stroke="${color}" stroke-width="1.6"/>`
    : `<circle cx="${f1(cx)}" cy="${f1(cy)}" r="${r}" fill="${color}"/>`;
}

/**
 * The embedding projector as one SVG, like TensorFlow Similarity's `projector`: every digit a
 * point coloured by its true label (hollow for the classes never trained on), a legend, and
 * a panel where hovering a point shows the digit's image and label — each point is a
 * `<g class="pt">` holding its circle and a hidden `<g class="tip">` that `PROJECTOR_CSS`
 * reveals on `:hover`.
 */
export function projectorSvg(p: ProjectedDigits, trainClasses: readonly number[]): string {
  const n = p.labels.length;
  const trained = new Set(trainClasses);
  const plot = 640;
  const pad = 14;
  const panelX = plot + 2 * pad + 16;
  const width = panelX + 250;
  const height = plot + 2 * pad;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, p.x[i] as number);
    x1 = Math.max(x1, p.x[i] as number);
    y0 = Math.min(y0, p.y[i] as number);
    y1 = Math.max(y1, p.y[i] as number);
  }
  // One scale for both axes, so the map keeps its shape; centred in the square.
  const span = n > 0 ? Math.max(x1 - x0, y1 - y0, 1e-9) : 1;
  const k = (plot - 12) / span;
  const ox = pad + 6 + (plot - 12 - (n > 0 ? (x1 - x0) * k : 0)) / 2;
  const oy = pad + 6 + (plot - 12 - (n > 0 ? (y1 - y0) * k : 0)) / 2;
  const sx = (v: number) => ox + (v - (n > 0 ? x0 : 0)) * k;
  // SVG's y grows downwards; flip so the map reads like a plot.
  const sy = (v: number) => oy + (n > 0 ? (y1 - v) * k : 0);

  const imgSize = 112;
  const imgY = 300;
  const parts: string[] = [];
  parts.push(
    `<svg class="projector" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="UMAP map of ${n} test digit embeddings">`,
    `<rect x="${pad}" y="${pad}" width="${plot}" height="${plot}" fill="#fff" stroke="#999"/>`,
  );

  // Legend: one row per class, trained classes filled, unseen ones hollow.
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(p.labels[i] as number, (counts.get(p.labels[i] as number) ?? 0) + 1);
  parts.push(
    `<g class="legend"><text x="${panelX}" y="${pad + 10}" font-size="13" font-weight="600">true label</text>`,
  );
  LABEL_COLORS.forEach((color, label) => {
    const y = pad + 32 + label * 21;
    const unseen = !trained.has(label);
    parts.push(
      `<g class="key">${marker(panelX + 7, y, 5.5, color, unseen)}<text x="${panelX + 20}" y="${y}" dominant-baseline="middle" font-size="12">${label}${unseen ? ' · unseen in training' : ''} (${counts.get(label) ?? 0})</text></g>`,
    );
  });
  parts.push('</g>');

  // Points, each with its hidden digit and label for the hover panel.
  parts.push('<g class="pts">');
  const textY = imgY + imgSize + 20;
  for (let i = 0; i < n; i++) {
    const label = p.labels[i] as number;
    const color = LABEL_COLORS[((label % 10) + 10) % 10] as string;
    const unseen = !trained.has(label);
    const png = encodeGreyPng(p.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), IMAGE_SIDE, IMAGE_SIDE, {
      invert: true,
    });
    parts.push(
      `<g class="pt">${marker(sx(p.x[i] as number), sy(p.y[i] as number), 3.5, color, unseen)}<g class="tip"><image href="${pngDataUri(png)}" x="${panelX}" y="${imgY}" width="${imgSize}" height="${imgSize}"/><text x="${panelX}" y="${textY}" fill="${color}">label ${label}${unseen ? ' · unseen' : ''} · digit #${i + 1}</text></g></g>`,
    );
  }
  parts.push('</g>');
  parts.push(
    `<rect x="${panelX - 0.5}" y="${imgY - 0.5}" width="${imgSize + 1}" height="${imgSize + 1}" fill="none" stroke="#ccc"/>`,
    `<text class="hint" x="${panelX}" y="${textY}" font-size="12" fill="#666">${escapeXml('hover a point to see its digit')}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
