import { SimkitError, describe } from '@simkit/core';
import {
  type Tensor,
  add,
  exp,
  log,
  max,
  mean,
  min,
  pow,
  reshape,
  scalar,
  type serialization,
  sub,
  tidy,
} from '@tensorflow/tfjs-core';
import { type Shape, layers } from '@tensorflow/tfjs-layers';

/** Where the channels axis is: last (`channelsLast`, the default) or right after the batch axis. */
export type DataFormat = 'channelsLast' | 'channelsFirst';
type LayerArgs = NonNullable<Parameters<typeof layers.globalAveragePooling1d>[0]>;
type LayerKwargs = Parameters<InstanceType<typeof layers.Layer>['call']>[1];

/** Constructor arguments of the GeM pooling layers. */
export interface GeneralizedMeanPoolingArgs extends LayerArgs {
  /**
   * Power of the mean: 1 is the arithmetic mean, 0 the geometric mean, `Infinity`
   * the maximum, `-Infinity` the minimum. Default 3. In a config, ±∞ may be written
   * as the strings `'inf'` / `'-inf'` (JSON has no Infinity).
   */
  p?: number | string;
  /** `channelsLast` (default): (batch, …spatial, channels); `channelsFirst`: (batch, channels, …spatial). */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** Keep the pooled axes with length 1 (default false). */
  keepdims?: boolean;
}

/** |p| below this is treated as p = 0, the geometric mean. */
const GEOMETRIC_P = 1e-5;

function parseP(value: unknown): number {
  if (value === undefined || value === null) return 3;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (s === 'inf' || s === '+inf' || s === 'infinity' || s === '+infinity') return Number.POSITIVE_INFINITY;
    if (s === '-inf' || s === '-infinity') return Number.NEGATIVE_INFINITY;
  }
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  throw new SimkitError(
    'INVALID_ARGUMENT',
    `GeneralizedMeanPooling p must be a number (e.g. 3), Infinity, -Infinity, 'inf' or '-inf'; got ${describe(value)}.`,
  );
}

function parseDataFormat(value: unknown): DataFormat {
  if (value === undefined || value === null || value === 'channelsLast' || value === 'channels_last') {
    return 'channelsLast';
  }
  if (value === 'channelsFirst' || value === 'channels_first') return 'channelsFirst';
  throw new SimkitError(
    'INVALID_ARGUMENT',
    `dataFormat must be 'channelsLast' or 'channelsFirst'; got ${describe(value)}.`,
  );
}

/**
 * Generalized-mean (GeM) pooling over the spatial axes of each channel:
 * `e_c = (mean_u x_cu^p)^(1/p)`. Values are first shifted so that each channel's
 * minimum is 1 (the mean is only defined for positive values), pooled, then
 * shifted back, as TensorFlow Similarity does. Subclasses fix the input rank.
 */
export abstract class GeneralizedMeanPooling extends layers.Layer {
  readonly p: number;
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  /** Rank of the input this layer pools (3 for 1D, 4 for 2D). */
  protected abstract readonly inputRank: number;

  constructor(args: GeneralizedMeanPoolingArgs = {}) {
    if (args === null || typeof args !== 'object') {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `GeneralizedMeanPooling takes an options object; got ${describe(args)}.`,
      );
    }
    const p = parseP(args.p);
    const dataFormat = parseDataFormat(args.dataFormat);
    if (args.keepdims !== undefined && args.keepdims !== null && typeof args.keepdims !== 'boolean') {
      throw new SimkitError('INVALID_ARGUMENT', `keepdims must be true or false; got ${describe(args.keepdims)}.`);
    }
    const { p: _p, dataFormat: _d, keepdims: _k, ...layerArgs } = args;
    super(layerArgs);
    this.p = p;
    this.dataFormat = dataFormat;
    this.keepdims = args.keepdims === true;
  }

  /** The pooled axes of an input of rank `inputRank`. */
  private poolAxes(): number[] {
    const spatial = this.inputRank - 2;
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    return Array.from({ length: spatial }, (_, i) => first + i);
  }

  private checkShape(shape: Shape): void {
    if (shape.length !== this.inputRank) {
      const layout =
        this.inputRank === 3
          ? this.dataFormat === 'channelsLast'
            ? '(batch, steps, channels)'
            : '(batch, channels, steps)'
          : this.dataFormat === 'channelsLast'
            ? '(batch, rows, cols, channels)'
            : '(batch, channels, rows, cols)';
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${this.getClassName()} expects inputs of rank ${this.inputRank} ${layout}; got shape [${shape.join(', ')}].`,
        { details: { expected: this.inputRank, actual: shape.length } },
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    const axes = new Set(this.poolAxes());
    if (this.keepdims) return shape.map((d, i) => (axes.has(i) ? 1 : d));
    return shape.filter((_, i) => !axes.has(i));
  }

  override call(inputs: Tensor | Tensor[], _kwargs: LayerKwargs): Tensor {
    return tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
      this.checkShape(x.shape);
      const axes = this.poolAxes();
      let pooled: Tensor;
      if (this.p === Number.POSITIVE_INFINITY) {
        pooled = max(x, axes, true);
      } else if (this.p === Number.NEGATIVE_INFINITY) {
        pooled = min(x, axes, true);
      } else {
        const mins = min(x, axes, true);
        const one = scalar(1);
        const shifted = add(sub(x, mins), one);
        let m: Tensor;
        if (Math.abs(this.p) < GEOMETRIC_P) {
          m = exp(mean(log(shifted), axes, true));
        } else {
          m = pow(mean(pow(shifted, scalar(this.p)), axes, true), scalar(1 / this.p));
        }
        pooled = sub(add(m, mins), one);
      }
      if (this.keepdims) return pooled;
      return reshape(pooled, this.computeOutputShape(x.shape) as number[]);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const p = Number.isFinite(this.p) ? this.p : this.p > 0 ? 'inf' : '-inf';
    return { ...super.getConfig(), p, dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}
