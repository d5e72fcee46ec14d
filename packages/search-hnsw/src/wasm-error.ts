/**
 * The text of an error thrown by the wasm module. C++ exceptions arrive as
 * `WebAssembly.Exception` whose `message` is `[type, what]`; anything else is described as is.
 */
export function wasmErrorMessage(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join(': ');
    if (typeof message === 'string' && message !== '') return message;
  }
  return String(error);
}

/** True when the message comes from an allocation that failed inside the wasm heap. */
export function isOutOfMemory(error: unknown): boolean {
  return /not enough memory|bad_alloc|cannot enlarge memory|out of memory/i.test(wasmErrorMessage(error));
}
