import { type ComponentConfig, invalidArgument } from '@simkit/core';
import {
  type MetricNames,
  PrecisionAtK,
  type PrecisionAtKOptions,
  precisionOptionsFromConfig,
} from './precision-at-k.js';

const MAP_NAMES: MetricNames = { name: 'map', canonicalName: 'map@k' };

/**
 * Mean average precision: like precision@k, but a match at position j (1-based,
 * within the read columns) contributes the precision at j, `matches so far / j`.
 * Divided by R[label]; with `clipAtR` this is MAP@R. Only micro averaging.
 */
export class MapAtK extends PrecisionAtK {
  static override readonly type: string = 'map-at-k';
  override readonly type: string = MapAtK.type;

  constructor(options: PrecisionAtKOptions = {}) {
    if (typeof options === 'object' && options !== null && options.average === 'macro') {
      throw invalidArgument(`map@k supports only average 'micro'; remove average: 'macro'.`);
    }
    super(options, MAP_NAMES);
  }

  protected override weigh(slice: Float64Array, width: number): void {
    let hits = 0;
    for (let j = 0; j < width; j++) {
      if (slice[j] !== 0) {
        hits += 1;
        slice[j] = hits / (j + 1);
      }
    }
  }

  /** A MapAtK from the config its `toConfig` wrote. */
  static override fromConfig(config: ComponentConfig): MapAtK {
    return new MapAtK(precisionOptionsFromConfig(config, MapAtK.type));
  }
}
