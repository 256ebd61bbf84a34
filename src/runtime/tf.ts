/**
 * TensorFlow.js runtime selection (edge module: it loads native/wasm code from node_modules).
 *
 * Order for 'auto':
 *   1. `@tensorflow/tfjs-node` (native libtensorflow), when `require` succeeds. It is an optional
 *      dependency: on machines where its install script could not download libtensorflow it is
 *      absent or broken, and we fall through without a trace beyond the returned `fallbacks`.
 *   2. `@tensorflow/tfjs-core` with the wasm backend (SIMD, no threads in Node). The .wasm binaries
 *      are read from `node_modules/@tensorflow/tfjs-backend-wasm/dist/` (found with
 *      require.resolve), so nothing is downloaded.
 *   3. `@tensorflow/tfjs-core` with the pure-JS cpu backend (works everywhere; 2.7x slower than
 *      wasm for our MLP: 2.8 s vs 1.0 s CPU per 2-week fit, see bench/neural.ts).
 *
 * Only tfjs-core and its backends are loaded, not the `@tensorflow/tfjs` bundle: the network is
 * trained with core ops and an optimizer (neuralTrain.ts), so layers, converter and data are dead
 * weight, and every thread that trains loads its own copy (the engine's and each refit thread's).
 * Measured (node 20, compiled JS, after a full GC): a process with wasm ready holds 71 MiB resident
 * with the bundle, 53 MiB with core only (node alone: 41 MiB); a refit thread after three refits
 * of 7 days with the network adds 59 MiB to its process with the bundle, 45 MiB with core only.
 *
 * The tfjs backend is process-global: the last successful initTf() call decides which backend runs.
 */
import * as path from 'node:path';
import type * as TfNamespace from '@tensorflow/tfjs-core';
import type { LazyTf } from '../forecast/models/neural';
import { registerTrainingGradients } from './tfGradients';

export type Tf = typeof TfNamespace;
export type TfPreference = 'auto' | 'node' | 'wasm' | 'cpu';

export interface TfRuntime {
  readonly tf: Tf;
  /** The active backend name as tfjs reports it: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** Why earlier choices were skipped, e.g. "node: Cannot find module '@tensorflow/tfjs-node'". */
  readonly fallbacks: readonly string[];
}

const PREFERENCES: readonly TfPreference[] = ['auto', 'node', 'wasm', 'cpu'];

/** Module loads are memoised: each is attempted at most once per process. */
let nodeTf: { ok: true; tf: Tf } | { ok: false; error: string } | undefined;
let pureTf: Tf | undefined;
let wasmReady: Promise<{ ok: true } | { ok: false; error: string }> | undefined;
/** Serialises initTf calls so two concurrent callers never race on tf.setBackend. */
let queue: Promise<unknown> = Promise.resolve();

/** First line of an error's message (errors from jest's module registry are not `instanceof Error`). */
const message = (e: unknown): string => {
  const m = typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return m.split('\n')[0] ?? m;
};

function loadNodeTf(): typeof nodeTf {
  if (nodeTf === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      nodeTf = { ok: true, tf: require('@tensorflow/tfjs-node') as Tf };
    } catch (e) {
      nodeTf = { ok: false, error: message(e) };
    }
  }
  return nodeTf;
}

function loadPureTf(): Tf {
  if (pureTf === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pureTf = require('@tensorflow/tfjs-core') as Tf;
    // Registers the 'cpu' backend with that core (the wasm backend registers itself when loaded).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-cpu');
    registerTrainingGradients(pureTf);
  }
  return pureTf;
}

/** Registers the wasm backend and points it at the bundled binaries. Memoised. */
function registerWasm(): Promise<{ ok: true } | { ok: false; error: string }> {
  if (wasmReady === undefined) {
    wasmReady = (async () => {
      try {
        loadPureTf();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
        // main is dist/tf-backend-wasm.node.js; the .wasm files sit next to it.
        const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
        wasm.setWasmPaths(dir + path.sep);
        return { ok: true } as const;
      } catch (e) {
        return { ok: false, error: message(e) } as const;
      }
    })();
  }
  return wasmReady;
}

async function activate(tf: Tf, backend: string): Promise<string | null> {
  try {
    if (tf.getBackend() !== backend) {
      const ok = await tf.setBackend(backend);
      if (!ok) return `${backend}: tf.setBackend('${backend}') returned false`;
    }
    await tf.ready();
    // Production mode: skips per-op debug checks and the cpu backend's "install tfjs-node" banner
    // (the CLI prints the backend in use instead).
    tf.enableProdMode();
    return null;
  } catch (e) {
    return `${backend}: ${message(e)}`;
  }
}

async function init(prefer: TfPreference): Promise<TfRuntime> {
  const fallbacks: string[] = [];
  if (prefer === 'auto' || prefer === 'node') {
    const loaded = loadNodeTf();
    if (loaded?.ok) {
      const err = await activate(loaded.tf, 'tensorflow');
      if (err === null) return { tf: loaded.tf, backend: loaded.tf.getBackend(), fallbacks };
      fallbacks.push(err);
    } else if (loaded) {
      fallbacks.push(`node: ${loaded.error}`);
    }
    if (prefer === 'node') throw new Error(`initTf('node'): @tensorflow/tfjs-node is not usable (${fallbacks.join('; ')})`);
  }
  const tf = loadPureTf();
  if (prefer === 'auto' || prefer === 'wasm') {
    const reg = await registerWasm();
    const err = reg.ok ? await activate(tf, 'wasm') : `wasm: ${reg.error}`;
    if (err === null) return { tf, backend: tf.getBackend(), fallbacks };
    fallbacks.push(err);
    if (prefer === 'wasm') throw new Error(`initTf('wasm'): the wasm backend failed to start (${fallbacks.join('; ')})`);
  }
  const err = await activate(tf, 'cpu');
  if (err !== null) throw new Error(`initTf('${prefer}'): no TensorFlow.js backend could start (${[...fallbacks, err].join('; ')})`);
  return { tf, backend: tf.getBackend(), fallbacks };
}

/**
 * Loads TensorFlow.js and activates a backend. 'auto' tries node, then wasm, then cpu; an explicit
 * choice throws if that backend cannot start (an Error naming the backend and the cause).
 * Cheap after the first call (module loads and wasm compilation are memoised).
 */
export function initTf(prefer: TfPreference = 'auto'): Promise<TfRuntime> {
  if (!PREFERENCES.includes(prefer)) {
    return Promise.reject(new Error(`initTf: prefer must be one of ${PREFERENCES.join(', ')}, got ${JSON.stringify(prefer)}`));
  }
  const run = queue.then(() => init(prefer));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * TensorFlow.js loaded in this thread only when a fit first needs it (see LazyTf in
 * src/forecast/models/neural.ts). Where the network's refits run on refit threads, the engine's
 * thread fits in line only on rare paths (a refit thread failed, a replay after a cold-start
 * change or an old snapshot, a retry of a failed fit), so it does not hold tfjs and its wasm
 * backend from the start: 16 MiB resident a thread (node 20, wasm; measured with a bare process,
 * 39 -> 56 MiB after a full GC).
 *
 * get() before loading finished starts the load (once) and throws an Error saying the fit is
 * retried later; after a failed load it throws that failure. prepare() resolves once loaded, and
 * rejects with the load's failure.
 */
export function lazyTf(prefer: TfPreference = 'auto'): LazyTf & { readonly loaded: TfRuntime | null } {
  let runtime: TfRuntime | null = null;
  let failure: Error | null = null;
  let loading: Promise<void> | null = null;
  const prepare = (): Promise<void> =>
    (loading ??= initTf(prefer).then(
      (rt) => {
        runtime = rt;
      },
      (err: unknown) => {
        failure = err instanceof Error ? err : new Error(String(err));
        throw failure;
      },
    ));
  return {
    get(): Tf {
      if (runtime) return runtime.tf;
      if (failure) throw failure;
      // Started here, awaited by whoever calls prepare(); a failure is kept for the next get().
      prepare().catch(() => undefined);
      throw new Error(`TensorFlow.js (${prefer}) is not loaded in this thread yet (the network's refits run on refit threads): loading it now; this fit is retried later`);
    },
    prepare,
    get loaded() {
      return runtime;
    },
  };
}

/**
 * Bytes of this thread's WebAssembly memory when the wasm backend is the active one (0 otherwise,
 * or before TensorFlow.js is loaded). A WebAssembly memory grows and never shrinks, and V8's heap
 * statistics do not count it, so a refit thread reports it apart from its heap.
 */
export function wasmMemoryBytes(): number {
  if (pureTf === undefined || pureTf.getBackend() !== 'wasm') return 0;
  // tfjs-backend-wasm's BackendWasm holds its Emscripten module in `wasm`; HEAPU8 views its memory.
  const backend = pureTf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength ?? 0;
}
