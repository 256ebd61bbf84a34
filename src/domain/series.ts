/**
 * A load series on a regular time grid. Missing samples are NaN; nothing else is allowed to be
 * non-finite once a series has passed through `series/clean.ts`.
 */
export interface Series {
  /** Unix seconds of values[0]. */
  readonly start: number;
  /** Seconds between samples (60 or 300 in the dev traces). */
  readonly step: number;
  /** Oldest first. NaN marks a missing sample. */
  readonly values: Float64Array;
}

/** What clean-up found and did; reported, never silent. */
export interface DataQualityReport {
  readonly length: number;
  /** Samples that were NaN or absent from the grid. */
  readonly missing: number;
  /** Samples that were +/-Infinity (treated as missing). */
  readonly nonFinite: number;
  /** Samples below zero (load cannot be negative; clamped to 0). */
  readonly negative: number;
  /** Runs of consecutive missing samples: [startIndex, length]. */
  readonly gaps: ReadonlyArray<readonly [number, number]>;
  /** Missing samples that were filled (short gaps, by interpolation). */
  readonly filled: number;
  readonly messages: readonly string[];
}
