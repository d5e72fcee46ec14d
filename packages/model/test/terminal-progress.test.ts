import type { ProgressEvent } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleReporter, progressBar, terminalProgress } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A stream that records every write, and a clock the test moves by hand. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  let time = 1_000;
  return {
    stream: { isTTY, write: (text: string) => writes.push(text) },
    writes,
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

describe('progressBar', () => {
  it('fills the bar in proportion and pads the percentage to three places', () => {
    expect(progressBar({ task: 't', done: 5, total: 10 }, 10)).toBe('[#####.....]  50% 5/10');
    expect(progressBar({ task: 't', done: 10, total: 10 }, 4)).toBe('[####] 100% 10/10');
    expect(progressBar({ task: 't', done: 0, total: 3 }, 3)).toBe('[...]   0% 0/3');
    // 1/3 of 10 characters rounds to 3; the percentage is floored.
    expect(progressBar({ task: 't', done: 1, total: 3 }, 10)).toBe('[###.......]  33% 1/3');
  });

  it('is 30 characters wide by default', () => {
    expect(progressBar({ task: 't', done: 1, total: 2 })).toBe(`[${'#'.repeat(15)}${'.'.repeat(15)}]  50% 1/2`);
  });

  it('shows only the count when the total is unknown, and a full bar for a total of 0 or done past the total', () => {
    expect(progressBar({ task: 't', done: 7 })).toBe('7/?');
    expect(progressBar({ task: 't', done: 0, total: 0 }, 2)).toBe('[##] 100% 0/0');
    expect(progressBar({ task: 't', done: 12, total: 10 }, 2)).toBe('[##] 100% 12/10');
  });

  it('refuses malformed events and widths', async () => {
    const bad: unknown[] = [
      null,
      { done: 1, total: 2 },
      { task: 't', done: -1, total: 2 },
      { task: 't', done: Number.NaN },
      { task: 't', done: 1, total: -2 },
      { task: 't', done: 1, total: '2' },
    ];
    for (const event of bad) await expectCode(() => progressBar(event as ProgressEvent), 'INVALID_ARGUMENT');
    for (const width of [0, 2.5, -1, Number.NaN]) {
      await expectCode(() => progressBar({ task: 't', done: 1, total: 2 }, width), 'INVALID_ARGUMENT');
    }
  });
});

describe('terminalProgress on a terminal', () => {
  it('redraws one bar in place, clears the rest of the line, and ends a finished task with a newline', () => {
    const { stream, writes, now, advance } = fakeStream(true);
    const view = terminalProgress(stream, { width: 4, now });
    view.onProgress({ task: 'embed', done: 1, total: 2 });
    advance(500);
    view.onProgress({ task: 'embed', done: 2, total: 2 });
    expect(writes).toEqual(['\rembed [##..]  50% 1/2\x1b[K', '\rembed [####] 100% 2/2\x1b[K', '\n']);
    view.end();
    expect(writes).toHaveLength(3);
  });

  it('draws at most once per interval, but always the first and the finishing event', () => {
    const { stream, writes, now, advance } = fakeStream(true);
    const view = terminalProgress(stream, { width: 10, now, minIntervalMs: 100 });
    for (let done = 1; done <= 10; done++) {
      view.onProgress({ task: 'train', done, total: 10 });
      advance(30);
    }
    // Clock at draw: 1000 (done 1), 1120 (done 5), 1240 (done 9), and done 10 because it finishes.
    const drawn = writes.filter((w) => w.startsWith('\r')).map((w) => /(\d+)\/10/.exec(w)?.[1]);
    expect(drawn).toEqual(['1', '5', '9', '10']);
    expect(writes.at(-1)).toBe('\n');
  });

  it('starts a new line when another task reports before the open one finished', () => {
    const { stream, writes, now } = fakeStream(true);
    const view = terminalProgress(stream, { width: 2, now });
    view.onProgress({ task: 'a', done: 1, total: 4 });
    view.onProgress({ task: 'b', done: 1, total: 4 });
    expect(writes).toEqual(['\ra [#.]  25% 1/4\x1b[K', '\n', '\rb [#.]  25% 1/4\x1b[K']);
    view.end();
    expect(writes.at(-1)).toBe('\n');
  });

  it('shows a count without a bar when the total is unknown, and leaves it open until end()', () => {
    const { stream, writes, now, advance } = fakeStream(true);
    const view = terminalProgress(stream, { now });
    view.onProgress({ task: 'scan', done: 3 });
    advance(200);
    view.onProgress({ task: 'scan', done: 9 });
    expect(writes).toEqual(['\rscan 3/?\x1b[K', '\rscan 9/?\x1b[K']);
    view.end();
    view.end();
    expect(writes).toEqual(['\rscan 3/?\x1b[K', '\rscan 9/?\x1b[K', '\n']);
  });

  it('uses a custom format for the line', () => {
    const { stream, writes, now } = fakeStream(true);
    const view = terminalProgress<ProgressEvent & { loss: number }>(stream, {
      now,
      format: (e) => `${e.task.toUpperCase()} ${progressBar(e, 2)} loss ${e.loss}`,
    });
    view.onProgress({ task: 'fit', done: 2, total: 2, loss: 0.5 });
    expect(writes).toEqual(['\rFIT [##] 100% 2/2 loss 0.5\x1b[K', '\n']);
  });
});

describe('terminalProgress off a terminal', () => {
  it('writes one plain line per finished task and nothing while it runs', () => {
    const { stream, writes } = fakeStream(false);
    const view = terminalProgress(stream, { width: 4 });
    view.onProgress({ task: 'embed', done: 1, total: 2 });
    view.onProgress({ task: 'embed', done: 2, total: 2 });
    view.onProgress({ task: 'scan', done: 5 });
    view.end();
    expect(writes).toEqual(['embed [####] 100% 2/2\n']);
  });

  it('writes the events plainLine picks, in order', () => {
    const { stream, writes } = fakeStream(false);
    const seen: number[] = [];
    const view = terminalProgress(stream, {
      width: 2,
      plainLine: (e) => {
        seen.push(e.done);
        return e.done % 2 === 0;
      },
    });
    for (let done = 1; done <= 4; done++) view.onProgress({ task: 'x', done, total: 4 });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(writes).toEqual(['x [#.]  50% 2/4\n', 'x [##] 100% 4/4\n']);
  });

  it('treats a stream without isTTY as not a terminal', () => {
    const writes: string[] = [];
    const view = terminalProgress({ write: (t: string) => writes.push(t) });
    view.onProgress({ task: 'index', done: 3, total: 3 });
    expect(writes).toEqual([`index [${'#'.repeat(30)}] 100% 3/3\n`]);
  });
});

describe('terminalProgress input checks', () => {
  it('refuses a missing stream, malformed options and malformed events', async () => {
    await expectCode(() => terminalProgress(undefined as never), 'INVALID_ARGUMENT');
    await expectCode(() => terminalProgress({} as never), 'INVALID_ARGUMENT');
    const { stream } = fakeStream(true);
    await expectCode(() => terminalProgress(stream, 5 as never), 'INVALID_ARGUMENT');
    await expectCode(() => terminalProgress(stream, { width: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => terminalProgress(stream, { minIntervalMs: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => terminalProgress(stream, { format: 'bar' as never }), 'INVALID_ARGUMENT');
    const view = terminalProgress(stream);
    await expectCode(() => view.onProgress({ task: 'x', done: Number.POSITIVE_INFINITY }), 'INVALID_ARGUMENT');
  });
});

describe('consoleReporter on a terminal', () => {
  it('draws progress on stdout in place and closes the bar before a log line', () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const tty = process.stdout.isTTY;
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      const reporter = consoleReporter();
      reporter.onProgress({ task: 'embed', done: 1, total: 4 });
      reporter.logger.log('info', 'hello');
    } finally {
      Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
    }
    expect(writes).toEqual([`\rembed [${'#'.repeat(8)}${'.'.repeat(22)}]  25% 1/4\x1b[K`, '\n']);
    expect(info).toHaveBeenCalledWith('[simkit] hello');
  });
});
