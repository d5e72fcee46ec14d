/**
 * A calibrated operating point: its `name` (`optimal` or a target's name), the
 * calibration metric's `value`, the `distance` threshold, and every computed
 * metric at that threshold under its metric name.
 */
export type Cutpoint = { readonly name: string; readonly value: number; readonly distance: number } & {
  readonly [metric: string]: number;
};

/**
 * What `calibrate` returns: the cutpoints by name, and the curves behind them —
 * `thresholds.distance` (ascending), one array per metric, and `value` (the
 * calibration metric again).
 */
export interface CalibrationResult {
  readonly cutpoints: Record<string, Cutpoint>;
  readonly thresholds: Record<string, number[]>;
}

/** Per-threshold metric curves: `distance` (ascending) and one array per metric name. */
export type ClassificationEvaluation = { readonly distance: number[] } & Record<string, number[]>;
