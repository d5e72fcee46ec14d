// LinearSearch's WebAssembly kernel in the browser: on the page's thread, or on Web Workers when
// the page is cross-origin isolated (the test serves a second copy of this page with COOP/COEP).
import { kernelWorkload } from './kernel-workload.js';
import { report } from './report.js';

report(async () => {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const hardware = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return { isolated, hardware, ...(await kernelWorkload(isolated ? hardware : 1)) };
});
