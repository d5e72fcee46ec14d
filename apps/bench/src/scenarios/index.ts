import type { Scenario } from '../harness.js';

/** Every scenario, in the order `pnpm bench` runs them. Add one line per scenario. */
export const scenarios: Scenario[] = [];
