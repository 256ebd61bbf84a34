/**
 * The mounted-ConfigMap watcher on a real directory laid out as the kubelet does it: key files are
 * symlinks into `..data`, itself a symlink to a timestamped directory, swapped by rename().
 */
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigMapDirWatcher, readConfigMapDir } from '../../../src/config/configMapDir';
import type { PrometheusSource } from '../../../src/config/prometheusSource';
import type { ParseResult } from '../../../src/config/schema';

let root: string;
let n = 0;
/** Write a new timestamped dir and swap ..data to it atomically, like the kubelet's AtomicWriter. */
function publish(dir: string, data: Record<string, string>): void {
  const ts = `..2026_11_25_00_00_0${n++}.000`;
  mkdirSync(path.join(dir, ts));
  for (const [k, v] of Object.entries(data)) writeFileSync(path.join(dir, ts, k), v);
  symlinkSync(ts, path.join(dir, '..data_tmp'));
  renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const k of Object.keys(data)) {
    try {
      symlinkSync(path.join('..data', k), path.join(dir, k));
    } catch {
      // already linked
    }
  }
}

function nextChange(w: ConfigMapDirWatcher<PrometheusSource>, ms = 3000): Promise<ParseResult<PrometheusSource>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no change seen')), ms);
    const off = w.onChange((r) => {
      clearTimeout(t);
      off();
      resolve(r);
    });
  });
}

beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'prescale-cm-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('reads keys through the ..data symlinks, skipping dot entries', async () => {
  publish(root, { prometheusUrl: 'http://a:9090', prometheusTimeoutSeconds: '3' });
  expect(await readConfigMapDir(root)).toEqual({ prometheusTimeoutSeconds: '3', prometheusUrl: 'http://a:9090' });
});

test('hot-reloads on the ..data swap (fs.watch), reports a bad update, then recovers', async () => {
  publish(root, { prometheusUrl: 'http://a:9090' });
  const w = new ConfigMapDirWatcher({ dir: root, debounceMs: 20, pollMs: 0 });
  const first = await w.start();
  try {
    expect(first.ok && first.value.url).toBe('http://a:9090');
    let p = nextChange(w);
    publish(root, { prometheusUrl: 'http://b:9090' });
    const second = await p;
    expect(second.ok && second.value.url).toBe('http://b:9090');

    p = nextChange(w);
    publish(root, { prometheusUrl: 'nope' });
    const bad = await p;
    expect(!bad.ok && bad.error.issues[0]?.path).toBe('prometheusUrl');
  } finally {
    w.stop();
  }
});

test('the poll of ..data catches a swap when fs.watch is silent', async () => {
  publish(root, { prometheusUrl: 'http://a:9090' });
  const w = new ConfigMapDirWatcher({ dir: root, debounceMs: 10, pollMs: 50 });
  await w.start();
  // Simulate a file system without inotify: close the fs watcher the watcher opened.
  (w as unknown as { fsWatcher?: { close(): void } }).fsWatcher?.close();
  (w as unknown as { fsWatcher?: unknown }).fsWatcher = undefined;
  try {
    const p = nextChange(w);
    publish(root, { prometheusUrl: 'http://c:9090' });
    const r = await p;
    expect(r.ok && r.value.url).toBe('http://c:9090');
  } finally {
    w.stop();
  }
});

test('a burst of swaps is debounced into one reload, and identical content is not reported', async () => {
  publish(root, { prometheusUrl: 'http://a:9090' });
  const w = new ConfigMapDirWatcher({ dir: root, debounceMs: 150, pollMs: 0 });
  await w.start();
  const seen: string[] = [];
  w.onChange((r) => seen.push(r.ok ? r.value.url : 'error'));
  try {
    publish(root, { prometheusUrl: 'http://x:1' });
    publish(root, { prometheusUrl: 'http://y:2' });
    publish(root, { prometheusUrl: 'http://z:3' });
    await new Promise((r) => setTimeout(r, 500));
    publish(root, { prometheusUrl: 'http://z:3' });
    await new Promise((r) => setTimeout(r, 400));
    expect(seen).toEqual(['http://z:3']);
  } finally {
    w.stop();
  }
});
