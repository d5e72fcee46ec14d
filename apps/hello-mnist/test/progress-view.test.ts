import { describe, expect, it } from 'vitest';
import { progressView } from '../src/progress-view.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (t: string) => chunks.push(t) }, chunks };
}

describe('progressView', () => {
  it('prints plain lines at each tenth of training and the end of indexing when not on a terminal', () => {
    const { stream, chunks } = capture(false);
    const view = progressView(stream);
    for (let done = 1; done <= 20; done++) view.onProgress({ task: 'train', done, total: 20, loss: 1 });
    view.onProgress({ task: 'embed', done: 10, total: 10 });
    view.onProgress({ task: 'index', done: 10, total: 10 });
    // Tenths 0..10 of 20 steps: done 1 (tenth 0), then 2, 4, …, 20 (tenths 1..10) = 11 lines; + 1 for indexing.
    expect(chunks).toHaveLength(12);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(chunks[10]).toMatch(/^training .*100% 20\/20 {2}loss 1\.0000/);
    expect(chunks[11]).toMatch(/^indexing .*10\/10/);
  });

  it('redraws one bar in place on a terminal and ends it with a newline', () => {
    const { stream, chunks } = capture(true);
    const view = progressView(stream);
    view.onProgress({ task: 'index', done: 5, total: 10 });
    view.onProgress({ task: 'index', done: 10, total: 10 });
    expect(chunks[0]).toMatch(/^\rindexing/);
    expect(chunks.at(-1)).toBe('\n');
  });

  it('names the task, shows the running loss while training, and closes an unfinished bar when the task changes', () => {
    const { stream, chunks } = capture(true);
    const view = progressView(stream);
    view.onProgress({ task: 'train', done: 1, total: 4, loss: 2 });
    view.onProgress({ task: 'embed', done: 3 });
    view.end();
    expect(chunks[0]).toBe(`\rtraining     [${'#'.repeat(7)}${'.'.repeat(21)}]  25% 1/4  loss 2.0000\x1b[K`);
    expect(chunks.slice(1)).toEqual(['\n', '\rembedding    3/?\x1b[K', '\n']);
  });
});
