/**
 * Thread priorities (Linux): the API thread answers requests and must get the CPU first; the
 * engine's tick has a 2 s budget, and a refit d steps: they can wait a few milliseconds. Linux
 * keeps a nice value per thread (setpriority on the calling thread), and raising one's own nice
 * needs no privilege, so the engine thread and the refit threads lower their own priority and the
 * API thread keeps the default. Elsewhere (nice is per process there) nothing is changed. V8's
 * garbage-collection helpers and libuv's pool stay at nice 0: lowering them too made no difference
 * once the API thread was at nice 0 (bench:service --priority-ab at c55cf2f, 300 workloads,
 * alternating rounds: p99 median 6.0 ms either way; docs/service.md, Threads).
 */
import { getPriority, setPriority } from 'node:os';

/** The engine thread's nice when the API has a thread of its own. */
export const ENGINE_NICE = 5;
/** Refit threads: batch work. */
export const REFIT_NICE = 10;

/** Lowers the calling thread's priority to `nice` (0 .. 19); false when not on Linux or refused. */
export function lowerThisThread(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(0, nice);
    return true;
  } catch {
    return false;
  }
}

/** A thread's nice (Linux), or null elsewhere, without an id, or when it cannot be read. */
export function threadNice(threadId: number | null): number | null {
  if (process.platform !== 'linux' || threadId === null) return null;
  try {
    return getPriority(threadId);
  } catch {
    return null;
  }
}
