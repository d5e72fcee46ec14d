import type { JobProgress } from './hello-mnist-job.js';

interface Stream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const BAR = 28;
const TASK_NAMES: Readonly<Record<string, string>> = {
  train: 'training',
  embed: 'embedding',
  index: 'indexing',
  calibrate: 'calibrating',
};

/**
 * Renders job progress: on a terminal, one bar per task redrawn in place (at most
 * ~10 times a second) with the running loss while training; otherwise plain lines
 * at every tenth of training and when indexing ends, so logs stay short.
 */
export function progressView(stream: Stream = process.stdout): { onProgress: (e: JobProgress) => void; end(): void } {
  const tty = stream.isTTY === true;
  let open = false;
  let lastDraw = 0;
  let lastTenth = -1;
  let lastTask = '';
  let lossMean: number | undefined;

  const end = () => {
    if (open) stream.write('\n');
    open = false;
  };
  const line = (e: JobProgress): string => {
    const name = TASK_NAMES[e.task] ?? e.task;
    const total = e.total ?? 0;
    const fraction = total > 0 ? Math.min(1, e.done / total) : 0;
    const filled = Math.round(fraction * BAR);
    const loss = lossMean !== undefined && e.task === 'train' ? `  loss ${lossMean.toFixed(4)}` : '';
    const bar =
      total > 0
        ? `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% `
        : '';
    return `${name.padEnd(12)} ${bar}${e.done}/${total || '?'}${loss}`;
  };

  const onProgress = (e: JobProgress) => {
    if (e.task !== lastTask) {
      end();
      lastTask = e.task;
      lastTenth = -1;
      lossMean = undefined;
    }
    if (e.loss !== undefined) lossMean = lossMean === undefined ? e.loss : 0.98 * lossMean + 0.02 * e.loss;
    const finished = e.total !== undefined && e.done >= e.total;
    if (tty) {
      const now = Date.now();
      if (!finished && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line(e)}\x1b[K`);
      open = true;
      if (finished) end();
      return;
    }
    // Plain output: training every tenth, other tasks (embedding every set of queries) not at all but indexing.
    if (e.task === 'train') {
      const tenth = e.total ? Math.floor((e.done / e.total) * 10) : 0;
      if (finished || tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(e)}\n`);
      }
    } else if (finished && e.task === 'index') {
      stream.write(`${line(e)}\n`);
    }
  };
  return { onProgress, end };
}
