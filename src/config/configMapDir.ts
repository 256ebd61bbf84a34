/**
 * Edge: a ConfigMap mounted as a volume. The kubelet writes each key as a file that is a symlink
 * `key -> ..data/key`, where `..data` is itself a symlink to a timestamped directory
 * (`..2026_11_25_02_00_00.123456789`). An update writes a new timestamped directory and atomically
 * swaps `..data`, so a reader never sees half an update.
 *
 * We watch the directory with fs.watch (the swap is a rename in it) and, as a fallback for file
 * systems where fs.watch says nothing (some network and overlay mounts), poll `..data`'s target.
 * Both only schedule a debounced reload: a burst of events is one reload.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { parsePrometheusSource, type PrometheusSource } from './prometheusSource';
import { ConfigError, type ParseResult } from './schema';

/** Read every key of a mounted ConfigMap (files not starting with `.`), following symlinks. */
export async function readConfigMapDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fs.readdir(dir)).sort()) {
    if (name.startsWith('.')) continue;
    const p = path.join(dir, name);
    const st = await fs.stat(p);
    if (st.isFile()) out[name] = await fs.readFile(p, 'utf8');
  }
  return out;
}

/** `..data`'s target, or undefined when the directory is not a kubelet-managed volume. */
async function dataTarget(dir: string): Promise<string | undefined> {
  try {
    return await fs.readlink(path.join(dir, '..data'));
  } catch {
    return undefined;
  }
}

export interface ConfigMapWatcherOptions<T> {
  readonly dir: string;
  /** Wait this long after the last event before reading; the kubelet's swap is several renames. */
  readonly debounceMs?: number;
  /** Fallback poll period (0 disables it). */
  readonly pollMs?: number;
  /** Turns the key -> value map into a value; default parsePrometheusSource. */
  readonly parse?: (data: Readonly<Record<string, string>>, origin: string) => ParseResult<T>;
}

export type ChangeListener<T> = (result: ParseResult<T>) => void;

/**
 * Watches a mounted ConfigMap. `start()` reads it once and resolves with that result; afterwards
 * each change of content calls the listeners with the new result (good or a ConfigError).
 * Unchanged content (a swap to identical data, a spurious event) calls nobody.
 */
export class ConfigMapDirWatcher<T = PrometheusSource> {
  private readonly listeners = new Set<ChangeListener<T>>();
  private fsWatcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private lastTarget: string | undefined;
  private lastContent: string | undefined;
  private running = false;
  private reading: Promise<void> = Promise.resolve();
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private readonly parse: (data: Readonly<Record<string, string>>, origin: string) => ParseResult<T>;

  constructor(private readonly opts: ConfigMapWatcherOptions<T>) {
    // 200 ms: the kubelet's update (write dir, symlink, rename, remove old) takes a few ms; 200 ms
    // merges it into one event burst while staying far below the 60 s control loop.
    this.debounceMs = opts.debounceMs ?? 200;
    // 10 s: the kubelet itself syncs ConfigMap volumes about once a minute, so polling faster buys
    // nothing and slower adds to the lag when fs.watch is silent.
    this.pollMs = opts.pollMs ?? 10_000;
    this.parse = opts.parse ?? (parsePrometheusSource as unknown as (d: Readonly<Record<string, string>>, o: string) => ParseResult<T>);
  }

  onChange(listener: ChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<ParseResult<T>> {
    this.running = true;
    const first = await this.read();
    try {
      this.fsWatcher = watch(this.opts.dir, { persistent: false }, () => this.schedule());
      this.fsWatcher.on('error', () => {
        // The directory vanished or the watch broke: the poll below still runs.
        this.fsWatcher?.close();
        this.fsWatcher = undefined;
      });
    } catch {
      // fs.watch unsupported here: rely on the poll.
    }
    if (this.pollMs > 0) {
      this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
      this.pollTimer.unref();
    }
    return first;
  }

  stop(): void {
    this.running = false;
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.pollTimer = undefined;
    this.debounceTimer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      // Serialise reads so two reloads never interleave.
      this.reading = this.reading.then(() => this.reload());
    }, this.debounceMs);
    this.debounceTimer.unref();
  }

  private async poll(): Promise<void> {
    const target = await dataTarget(this.opts.dir);
    // Not a kubelet volume (plain files): compare the content instead, which reload() does anyway.
    if (target === undefined || target !== this.lastTarget) this.schedule();
  }

  private async reload(): Promise<void> {
    if (!this.running) return;
    const before = this.lastContent;
    const result = await this.read();
    if (this.lastContent === before || !this.running) return;
    for (const l of this.listeners) {
      try {
        l(result);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private async read(): Promise<ParseResult<T>> {
    const origin = `ConfigMap volume ${this.opts.dir}`;
    this.lastTarget = await dataTarget(this.opts.dir);
    let data: Record<string, string>;
    try {
      data = await readConfigMapDir(this.opts.dir);
    } catch (e) {
      this.lastContent = `error:${(e as Error).message}`;
      return { ok: false, error: new ConfigError(origin, [{ path: '(root)', message: (e as Error).message }], 'CONFIG_UNREADABLE') };
    }
    this.lastContent = JSON.stringify(data);
    return this.parse(data, origin);
  }
}
