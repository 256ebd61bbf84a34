/**
 * Edge: the state directory (`models/` by default, `--state-dir`). One file per workload,
 * `<id>.state.json` (see state.ts for the format), written atomically: the text goes to a temp
 * file in the same directory, is fsynced, then renamed over the old file, and the directory is
 * fsynced, so a crash or a full disk leaves either the old file or the new one, never half of one.
 *
 * Loading never throws for a bad file: it answers 'missing', 'restored', or a rejection
 * ('corrupt', 'old_version', 'spec_changed', 'unreadable') that the loop logs, counts, and
 * answers by retraining from the source.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeState, encodeState, type RejectReason, type WorkloadState } from './state';
import type { WorkloadSpec } from './workloadEngine';

export type LoadOutcome =
  | { readonly kind: 'missing' }
  | { readonly kind: 'restored'; readonly state: WorkloadState }
  | { readonly kind: 'rejected'; readonly reason: RejectReason | 'unreadable'; readonly message: string; readonly file: string };

/**
 * File name for a workload id: the id with anything outside [A-Za-z0-9._-] replaced by "_",
 * plus 8 hex digits of its sha256 so that two ids that sanitise alike never share a file.
 * e.g. "demo-llm" -> "demo-llm.6b1c0d2e.state.json".
 */
export function stateFileName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `${safe}.${createHash('sha256').update(id).digest('hex').slice(0, 8)}.state.json`;
}

export class StateStore {
  constructor(readonly dir: string) {}

  fileFor(id: string): string {
    return path.join(this.dir, stateFileName(id));
  }

  /** Reads and validates a workload's state against the spec it runs under now. */
  async load(spec: WorkloadSpec): Promise<LoadOutcome> {
    const file = this.fileFor(spec.id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'rejected', reason: 'unreadable', message: `${file}: ${(err as Error).message}`, file };
    }
    const r = decodeState(text, spec);
    return r.ok ? { kind: 'restored', state: r.state } : { kind: 'rejected', reason: r.reason, message: `${file}: ${r.message}`, file };
  }

  /** Writes a workload's state atomically (temp file + fsync + rename + directory fsync). */
  async save(state: WorkloadState): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = this.fileFor(state.id);
    // Unique per process and call: two writers never share a temp file.
    const tmp = `${file}.tmp-${process.pid}-${(tmpSeq = (tmpSeq + 1) % 1e9)}`;
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(encodeState(state), 'utf8');
      await h.sync();
    } finally {
      await h.close();
    }
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    // The rename is durable once the directory entry is: fsync the directory (POSIX; a no-op error elsewhere is ignored).
    try {
      const d = await fs.open(this.dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      /* directories cannot be opened for fsync on some platforms (Windows): the rename stands */
    }
  }
}

let tmpSeq = 0;
