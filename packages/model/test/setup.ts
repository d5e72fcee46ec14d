import { env } from '@tensorflow/tfjs-core';

// tfjs prints a "use tfjs-node" hint on first use of the cpu backend unless it runs under test.
env().set('IS_TEST', true);
