/**
 * Thread priorities (Linux): the API thread answers requests and must get the CPU first; the
 * engine's tick has a 2 s budget, and a refit d steps: they can wait a few milliseconds. Linux
 * keeps a nice value per thread (setpriority on the calling thread), and raising one's own nice
 * needs no privilege, so the engine thread and the refit threads lower their own priority and the
 * API thread keeps the default; the engine thread then lowers the threads started before it did
 * (lowerOtherThreads). Elsewhere (nice is per process there) nothing is changed.
 */
import { readdirSync } from 'node:fs';
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

/**
 * Lowers every other thread of this process to at least `nice`, leaving `keepThreadId` (the API
 * thread) as it is: V8's platform threads (concurrent and parallel garbage collection, compiles)
 * and libuv's thread pool are started with the process at nice 0, before the engine lowers its
 * own priority, and mostly work for the engine. Left at nice 0 they take the CPU from the API
 * thread on equal terms while the engine collects its garbage (`npm run bench:service --
 * --priority-ab` compares). Linux only (setpriority on a thread id acts on that thread); returns
 * the thread ids changed.
 */
export function lowerOtherThreads(keepThreadId: number, nice: number): number[] {
  if (process.platform !== 'linux') return [];
  const changed: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  for (const t of tids) {
    const tid = Number(t);
    if (!Number.isInteger(tid) || tid === keepThreadId) continue;
    try {
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      changed.push(tid);
    } catch {
      // the thread ended meanwhile, or the change was refused: leave it
    }
  }
  return changed;
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
