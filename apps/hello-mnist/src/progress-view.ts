import { progressBar, type TextStream, terminalProgress } from '@simkit/model';
import type { JobProgress } from './hello-mnist-job.js';

const BAR = 28;
const TASK_NAMES: Readonly<Record<string, string>> = {
  train: 'training',
  embed: 'embedding',
  index: 'indexing',
  calibrate: 'calibrating',
  project: 'projecting',
};

/**
 * Renders job progress with `terminalProgress` from @simkit/model: on a terminal,
 * one bar per task redrawn in place (at most ~10 times a second) with the running
 * loss while training; otherwise plain lines at every tenth of training and when
 * indexing ends, so logs stay short.
 */
export function progressView(stream: TextStream = process.stdout): {
  onProgress: (e: JobProgress) => void;
  end(): void;
} {
  let task = '';
  let lastTenth = -1;
  let lossMean: number | undefined;

  const view = terminalProgress<JobProgress>(stream, {
    format: (e) => {
      const name = (TASK_NAMES[e.task] ?? e.task).padEnd(12);
      const loss = lossMean !== undefined && e.task === 'train' ? `  loss ${lossMean.toFixed(4)}` : '';
      return `${name} ${progressBar(e, BAR)}${loss}`;
    },
    // Plain output: training every tenth, indexing when it ends; embedding (every set of queries) and the rest not at all.
    plainLine: (e) => {
      const finished = e.total !== undefined && e.done >= e.total;
      if (e.task === 'index') return finished;
      if (e.task !== 'train') return false;
      const tenth = e.total ? Math.floor((e.done / e.total) * 10) : 0;
      if (!finished && tenth <= lastTenth) return false;
      lastTenth = tenth;
      return true;
    },
  });

  const onProgress = (e: JobProgress) => {
    if (e.task !== task) {
      task = e.task;
      lastTenth = -1;
      lossMean = undefined;
    }
    if (e.loss !== undefined) lossMean = lossMean === undefined ? e.loss : 0.98 * lossMean + 0.02 * e.loss;
    view.onProgress(e);
  };
  return { onProgress, end: view.end };
}
