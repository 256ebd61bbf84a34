export type PeriodLabel = 'daily' | 'weekly' | 'other';

export interface DetectedPeriod {
  /** Period length in samples. */
  readonly samples: number;
  /** Period length in seconds (samples x step). */
  readonly seconds: number;
  readonly label: PeriodLabel;
  /** Hyndman's seasonal strength in [0, 1]: max(0, 1 - Var(R) / Var(S + R)). */
  readonly strength: number;
}

export interface PeriodicityReport {
  readonly periodic: boolean;
  /** Strongest first. Empty when aperiodic. */
  readonly periods: readonly DetectedPeriod[];
  /** Why the series is aperiodic (or a note on what was found), readable by a person. */
  readonly reason: string;
}
