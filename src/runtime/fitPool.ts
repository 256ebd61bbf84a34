/**
 * Edge: refits on worker threads. A refit (periodicity detection + a fit of every model on up
 * to weeks of history) takes ~50 ms with the classical models and ~1 s with the network; on the
 * service's one thread it would hold the decision tick and the API meanwhile, and use one core of
 * the machine. The forecaster takes a refit at sample k and installs it at k + d
 * (OnlineForecaster fitDelaySteps), so the pool has d steps to compute it, and the service still
 * decides exactly as a backtest that computes it in line.
 *
 * Each worker builds the same models from their names (src/cli/models.ts); the pool checks them
 * against the service's. A fit that fails on a worker, a worker that dies or one that takes longer
 * than timeoutSeconds (it is then replaced) rejects the promise: the caller computes the refit in
 * line instead (OnlineForecaster.abandonFit), so nothing is lost.
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from './worker';
import { restoreFitOutcome, type FitOutcome, type FitRequest, type SavedFitOutcome } from '../forecast/online';
import type { Forecaster } from '../forecast/types';

export interface FitPoolOptions {
  /** Worker threads (>= 1). */
  readonly size: number;
  /** The service's models, in order: each worker builds the same ones by name. */
  readonly forecasters: readonly Forecaster[];
  readonly tfBackend?: string;
  /** A fit running longer than this is abandoned and its worker replaced. Default 600 s. */
  readonly timeoutSeconds?: number;
  /** Each fit's outcome: seconds on the worker, or a failure. */
  readonly onFit?: (seconds: number, ok: boolean) => void;
}

interface Task {
  readonly id: number;
  readonly request: FitRequest;
  resolve(out: FitOutcome): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** The worker's V8 heap (bytes) after its last idle collection; 0 before one. */
  heapBytes: number;
  /** Its wasm backend's memory (bytes) at that collection; 0 without the network on wasm. */
  wasmBytes: number;
}

function spawnWorker(init: { models: string[]; tfBackend?: string }): Worker {
  // A small young generation (4 MB): a refit's garbage (arrays of the history's length) is
  // collected often. With V8's default the two workers held ~130 MB more after 300 refits of 7
  // days (~60 MB with 4 MB; fits ~8% slower).
  return spawnModuleWorker(__dirname, 'fitWorker', init, __filename.endsWith('.ts'), { maxYoungGenerationSizeMb: 4 });
}

export class FitPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Fits computed on the workers, and the seconds they took there. */
  fits = 0;
  fitSeconds = 0;
  failures = 0;
  /** Workers replaced (died, or timed out). */
  restarts = 0;
  /** Full collections the workers ran once idle (fitWorker.ts). */
  idleCollections = 0;

  private constructor(private readonly opts: FitPoolOptions) {}

  /**
   * Starts `size` workers and waits until each has built its models.
   * @throws Error when a worker cannot start or builds different models than the service.
   */
  static async start(opts: FitPoolOptions): Promise<FitPool> {
    if (!(Number.isInteger(opts.size) && opts.size >= 1)) throw new RangeError(`fit workers: ${opts.size}: expected an integer >= 1`);
    const pool = new FitPool(opts);
    try {
      for (let i = 0; i < opts.size; i++) pool.slots.push(await pool.startSlot());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The workers' V8 heaps after their last idle collection, summed (bytes). */
  get heapBytes(): number {
    return this.slots.reduce((s, slot) => s + slot.heapBytes, 0);
  }

  /** The workers' wasm backend memories at their last idle collection, summed (bytes). */
  get wasmBytes(): number {
    return this.slots.reduce((s, slot) => s + slot.wasmBytes, 0);
  }

  /** Computes `request` on a worker; the outcome's models are restored for this thread's forecasters. */
  fit(request: FitRequest): Promise<FitOutcome> {
    if (this.closed) return Promise.reject(new Error('fit pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('fit pool closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        s.task?.reject(new Error('fit pool closed'));
        s.task = null;
        await s.worker.terminate();
      }),
    );
  }

  private async startSlot(): Promise<Slot> {
    const names = this.opts.forecasters.map((f) => f.name);
    const worker = spawnWorker({ models: names, ...(this.opts.tfBackend !== undefined ? { tfBackend: this.opts.tfBackend } : {}) });
    const ready = await new Promise<{ type: string; models?: string[]; error?: string }>((resolve, reject) => {
      const onMessage = (m: { type: string }) => done(() => resolve(m));
      const onError = (err: Error) => done(() => reject(err));
      const onExit = (code: number) => done(() => reject(new Error(`fit worker exited with ${code} before it was ready`)));
      // Only our own listeners are removed: the Worker keeps internal ones of its own.
      const done = (then: () => void) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        then();
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    if (ready.type !== 'ready' || JSON.stringify(ready.models) !== JSON.stringify(names)) {
      await worker.terminate();
      throw new Error(`fit worker: ${ready.error ?? `built models ${JSON.stringify(ready.models)}, expected ${JSON.stringify(names)}`}`);
    }
    const slot: Slot = { worker, task: null, timer: null, heapBytes: 0, wasmBytes: 0 };
    this.listen(slot);
    return slot;
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (msg: { id: number; outcome?: SavedFitOutcome; error?: string; seconds?: number; type?: string; bytes?: number; wasmBytes?: number }) => {
      if (msg.type === 'heap') {
        slot.heapBytes = msg.bytes ?? 0;
        slot.wasmBytes = msg.wasmBytes ?? 0;
        this.idleCollections++;
        return;
      }
      const t = slot.task;
      if (!t || t.id !== msg.id) return;
      this.finish(slot);
      if (msg.outcome) {
        try {
          t.resolve(restoreFitOutcome(msg.outcome, this.opts.forecasters));
          this.fits++;
          this.fitSeconds += msg.seconds ?? 0;
          this.opts.onFit?.(msg.seconds ?? 0, true);
        } catch (err) {
          this.failed();
          t.reject(err as Error);
        }
      } else {
        this.failed();
        t.reject(new Error(`fit worker: ${msg.error ?? 'no outcome'}`));
      }
      this.pump();
    });
    // A worker that dies (or is terminated on a timeout) fails its task and is replaced.
    slot.worker.on('error', (err) => this.lost(slot, err.message));
    slot.worker.on('exit', (code) => this.lost(slot, `exited with ${code}`));
    // Idle workers do not keep the process alive (the service's server and timers do).
    slot.worker.unref();
  }

  private failed(): void {
    this.failures++;
    this.opts.onFit?.(0, false);
  }

  private finish(slot: Slot): void {
    slot.worker.unref();
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  }

  private lost(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const t = slot.task;
    this.finish(slot);
    if (t) {
      this.failed();
      t.reject(new Error(`fit worker ${why}`));
    }
    if (this.closed) return;
    this.restarts++;
    void slot.worker.terminate();
    this.startSlot().then(
      (s) => {
        if (this.closed) return void s.worker.terminate();
        this.slots.push(s);
        this.pump();
      },
      () => {
        // Could not replace it: the remaining workers (or the caller, in line) carry on.
        if (this.slots.length === 0) for (const q of this.queue.splice(0)) q.reject(new Error(`fit worker ${why}, and could not be restarted`));
      },
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task || this.queue.length === 0) continue;
      const t = this.queue.shift()!;
      slot.task = t;
      slot.worker.ref(); // a fit in flight keeps the process alive
      const timeout = (this.opts.timeoutSeconds ?? 600) * 1000;
      slot.timer = setTimeout(() => this.lost(slot, `took longer than ${timeout / 1000} s`), timeout);
      slot.timer.unref();
      slot.worker.postMessage({ id: t.id, request: t.request });
    }
    if (this.slots.length === 0 && !this.closed) for (const q of this.queue.splice(0)) q.reject(new Error('no fit worker running'));
  }
}
