import { ready, setBackend } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Every test in this package runs on the cpu backend. */
export async function useCpu(): Promise<void> {
  await setBackend('cpu');
  await ready();
}
