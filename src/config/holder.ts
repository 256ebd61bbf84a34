/**
 * Keeps the last good value and the last error. A bad reload never replaces a good config: the
 * service goes on with what worked, and the error is exposed for the log, a metric and /status.
 */
import type { ConfigError, ParseResult } from './schema';

export interface HolderState<T> {
  readonly current: T | undefined;
  readonly lastError: ConfigError | undefined;
  /** `now` (unix seconds, passed in) of the last accepted value and of the last error. */
  readonly acceptedAt: number | undefined;
  readonly failedAt: number | undefined;
  /** Accepted values so far (1 after the first good load). */
  readonly generation: number;
}

export type HolderListener<T> = (value: T, previous: T | undefined) => void;

export class ConfigHolder<T> {
  private state: HolderState<T> = { current: undefined, lastError: undefined, acceptedAt: undefined, failedAt: undefined, generation: 0 };
  private readonly listeners = new Set<HolderListener<T>>();

  /**
   * Offer a load result. A good one replaces the current value, clears the error and notifies
   * listeners (a listener that throws does not stop the others); a bad one only records the error.
   * Returns true when the value was accepted.
   */
  offer(result: ParseResult<T>, now: number): boolean {
    if (!result.ok) {
      this.state = { ...this.state, lastError: result.error, failedAt: now };
      return false;
    }
    const previous = this.state.current;
    this.state = { current: result.value, lastError: undefined, acceptedAt: now, failedAt: this.state.failedAt, generation: this.state.generation + 1 };
    for (const l of this.listeners) {
      try {
        l(result.value, previous);
      } catch {
        // A listener's failure is its own; the holder's state is already consistent.
      }
    }
    return true;
  }

  /** The last good value, or undefined before the first good load. */
  get current(): T | undefined {
    return this.state.current;
  }

  /** The error of the most recent offer if it failed; cleared by the next good one. */
  get lastError(): ConfigError | undefined {
    return this.state.lastError;
  }

  snapshot(): HolderState<T> {
    return this.state;
  }

  /** Returns an unsubscribe function. */
  onChange(listener: HolderListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
