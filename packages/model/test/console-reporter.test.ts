import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleReporter } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('consoleReporter', () => {
  it('logs by level, prints tables, and on a non-terminal prints one line per finished task', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const table = vi.spyOn(console, 'table').mockImplementation(() => {});
    const tty = process.stdout.isTTY;
    Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
    try {
      const reporter = consoleReporter();
      reporter.logger.log('info', 'hello');
      reporter.logger.log('warn', 'careful', { n: 1 });
      reporter.onProgress({ task: 'embed', done: 2, total: 4 });
      reporter.onProgress({ task: 'embed', done: 4, total: 4 });
      reporter.table('Info', [{ property: 'size', value: 3 }]);
    } finally {
      Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
    }
    expect(info).toHaveBeenCalledWith('[simkit] hello');
    expect(warn).toHaveBeenCalledWith('[simkit] careful', { n: 1 });
    // Only the finished task is printed: 4/4 → a full 30-character bar at 100%.
    const progressLines = info.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('embed'));
    expect(progressLines).toEqual([`embed [${'#'.repeat(30)}] 100% 4/4`]);
    expect(table).toHaveBeenCalledWith([{ property: 'size', value: 3 }]);
  });
});
