/**
 * The script each search worker runs, kept as text so it needs no file of its own: in Node it is
 * started with `eval: true` (as CommonJS or as a module, whatever the process's `--input-type`, so it
 * reaches `worker_threads` through `process.getBuiltinModule`), in browsers from a blob URL.
 * It instantiates the kernel it is sent over the shared memory it is sent, then runs the scan
 * each job names and answers with the job's id (or the error message).
 */
export const WORKER_SOURCE = `'use strict';
const inNode = typeof process === 'object' && typeof process.getBuiltinModule === 'function';
const port = inNode ? process.getBuiltinModule('node:worker_threads').parentPort : self;
let kernel = null;
function handle(message) {
  if (message.type === 'init') {
    try {
      kernel = new WebAssembly.Instance(message.module, { env: { memory: message.memory } }).exports;
      port.postMessage({ type: 'ready' });
    } catch (error) {
      port.postMessage({ type: 'ready', error: String((error && error.message) || error) });
    }
    return;
  }
  try {
    kernel[message.fn].apply(null, message.args);
    port.postMessage({ type: 'done', id: message.id });
  } catch (error) {
    port.postMessage({ type: 'done', id: message.id, error: String((error && error.message) || error) });
  }
}
if (inNode) port.on('message', handle);
else self.onmessage = (event) => handle(event.data);
`;
