import { checkOptions, describe, invalidArgument, type ProgressEvent } from '@simkit/core';

/** Where a progress view writes: `process.stdout`, or anything with a `write(text)`. */
export interface TextStream {
  /** True on a terminal: the bar is redrawn in place there. */
  readonly isTTY?: boolean;
  /** Writes `text` as is (it carries its own newlines). */
  write(text: string): unknown;
}

/** Options of `terminalProgress`. */
export interface TerminalProgressOptions<E extends ProgressEvent = ProgressEvent> {
  /** Characters between the brackets of the default bar. Default 30. */
  readonly width?: number;
  /** The text of an event's line. Default: the task, a space, then `progressBar(event, width)`. */
  readonly format?: (event: E) => string;
  /** On a terminal, the least milliseconds between two redraws of one bar. Default 100. */
  readonly minIntervalMs?: number;
  /**
   * Not on a terminal: whether an event gets a line of its own. Called once per
   * event, in order, so it may keep state. Default: when the event finishes its task.
   */
  readonly plainLine?: (event: E) => boolean;
  /** Clock in milliseconds for the redraw limit. Default `Date.now`. */
  readonly now?: () => number;
}

/** A progress view: pass `onProgress` as the progress handler; call `end()` before other output. */
export interface TerminalProgress<E extends ProgressEvent = ProgressEvent> {
  /** Pass it where a progress handler is expected; it draws each event. */
  readonly onProgress: (event: E) => void;
  /** Closes a bar left open on the terminal with a newline; does nothing otherwise. */
  readonly end: () => void;
}

/** Default number of characters between the brackets of a progress bar. */
export const DEFAULT_BAR_WIDTH = 30;
const DEFAULT_MIN_INTERVAL_MS = 100;

function checkEvent(event: unknown): asserts event is ProgressEvent {
  const e = event as Partial<Record<keyof ProgressEvent, unknown>> | null;
  if (typeof e !== 'object' || e === null || typeof e.task !== 'string') {
    throw invalidArgument(`A progress event must be an object { task, done, total? }; got ${describe(event)}.`);
  }
  if (typeof e.done !== 'number' || !Number.isFinite(e.done) || e.done < 0) {
    throw invalidArgument(`Progress event '${e.task}': done must be a finite number ≥ 0; got ${describe(e.done)}.`);
  }
  if (e.total !== undefined && (typeof e.total !== 'number' || !Number.isFinite(e.total) || e.total < 0)) {
    throw invalidArgument(
      `Progress event '${e.task}': total must be a finite number ≥ 0, or left out when unknown; got ${describe(e.total)}.`,
    );
  }
}

function checkWidth(width: unknown): asserts width is number {
  if (typeof width !== 'number' || !Number.isSafeInteger(width) || width < 1) {
    throw invalidArgument(`The bar width must be an integer ≥ 1 (characters); got ${describe(width)}.`);
  }
}

function isFinished(event: ProgressEvent): boolean {
  return event.total !== undefined && event.done >= event.total;
}

/**
 * The bar of one progress event: `[###############...............]  50% 5/10`,
 * `width` characters between the brackets. A total of 0 counts as complete; done
 * beyond the total shows a full bar. Without a total there is no bar, only `5/?`.
 *
 * @throws SimkitError INVALID_ARGUMENT for a malformed event or a width that is not an integer ≥ 1
 */
export function progressBar(event: ProgressEvent, width = DEFAULT_BAR_WIDTH): string {
  checkEvent(event);
  checkWidth(width);
  const { done, total } = event;
  if (total === undefined) return `${done}/?`;
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}`;
}

/**
 * A progress view for a text stream. On a terminal (`stream.isTTY`), one bar per
 * task is redrawn in place, at most every `minIntervalMs` (a task's first and
 * finishing events always draw), and a new task starts on a new line. Elsewhere,
 * as in logs and pipes, events chosen by `plainLine` (by default, finished tasks)
 * are written as plain lines.
 *
 * @throws SimkitError INVALID_ARGUMENT when `stream` has no `write` or an option is malformed;
 *   `onProgress` throws it for a malformed event
 */
export function terminalProgress<E extends ProgressEvent = ProgressEvent>(
  stream: TextStream,
  options?: TerminalProgressOptions<E>,
): TerminalProgress<E> {
  if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') {
    throw invalidArgument(
      `terminalProgress needs a stream with write(text), e.g. process.stdout; got ${describe(stream)}.`,
    );
  }
  const opts = checkOptions(options, 'terminalProgress options');
  const width = opts.width ?? DEFAULT_BAR_WIDTH;
  checkWidth(width);
  const minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  if (typeof minIntervalMs !== 'number' || !Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
    throw invalidArgument(`minIntervalMs must be a finite number ≥ 0; got ${describe(minIntervalMs)}.`);
  }
  for (const name of ['format', 'plainLine', 'now'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'function') {
      throw invalidArgument(`terminalProgress option ${name} must be a function; got ${describe(opts[name])}.`);
    }
  }
  const format = opts.format ?? ((event: E) => `${event.task} ${progressBar(event, width)}`);
  const plainLine = opts.plainLine ?? isFinished;
  const now = opts.now ?? Date.now;
  const tty = stream.isTTY === true;

  let open = false;
  let openTask = '';
  let lastDraw = 0;

  const end = () => {
    if (open) stream.write('\n');
    open = false;
  };

  const onProgress = (event: E) => {
    checkEvent(event);
    const finished = isFinished(event);
    if (!tty) {
      if (plainLine(event)) stream.write(`${format(event)}\n`);
      return;
    }
    const sameBar = open && event.task === openTask;
    if (!sameBar) end();
    const time = now();
    if (sameBar && !finished && time - lastDraw < minIntervalMs) return;
    lastDraw = time;
    // \x1b[K clears what a longer earlier line left to the right.
    stream.write(`\r${format(event)}\x1b[K`);
    open = true;
    openTask = event.task;
    if (finished) end();
  };

  return { onProgress, end };
}
