/**
 * The service's clock as two threads can share it (the engine's and the API's, see
 * src/api/front.ts): either the wall clock, which each thread reads for itself, or a cell of
 * shared memory that a test or a benchmark sets, which both read. Unix seconds.
 */
export type ClockSpec = { readonly kind: 'wall' } | { readonly kind: 'cell'; readonly cell: Float64Array };

/** The wall clock in whole seconds, as `prescale serve` uses it. */
export const wallClock = (): number => Math.floor(Date.now() / 1000);

export function clockOf(spec: ClockSpec): () => number {
  if (spec.kind === 'wall') return wallClock;
  const cell = spec.cell;
  return () => cell[0]!;
}

/** A settable clock in shared memory (tests, benchmarks): `now()` reads the same value on every thread. */
export class SharedClock {
  readonly spec: ClockSpec;
  private readonly cell: Float64Array;
  constructor(t0: number) {
    this.cell = new Float64Array(new SharedArrayBuffer(8));
    this.cell[0] = t0;
    this.spec = { kind: 'cell', cell: this.cell };
  }
  readonly now = (): number => this.cell[0]!;
  get t(): number {
    return this.cell[0]!;
  }
  set t(v: number) {
    this.cell[0] = v;
  }
}
