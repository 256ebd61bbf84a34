import { initTf, lazyTf, wasmMemoryBytes } from '../../../src/runtime/tf';

describe('initTf', () => {
  test("'auto' falls back cleanly from the missing tfjs-node to a working backend", async () => {
    const r = await initTf();
    // tfjs-node cannot install on these machines (STACK.md); where it can, 'tensorflow' is fine.
    expect(['tensorflow', 'wasm', 'cpu']).toContain(r.backend);
    if (r.backend !== 'tensorflow') expect(r.fallbacks.join(' ')).toMatch(/^node: /);
    expect(r.tf.getBackend()).toBe(r.backend);
    // The backend computes: 2 x 3 = 6, synchronously.
    expect(r.tf.tidy(() => r.tf.mul(r.tf.scalar(2), r.tf.scalar(3)).dataSync()[0])).toBe(6);
  });

  test('explicit cpu and wasm switch the global backend; a second call is cheap', async () => {
    expect((await initTf('cpu')).backend).toBe('cpu');
    const t0 = performance.now();
    const w = await initTf('wasm');
    expect(w.backend).toBe('wasm');
    expect(w.tf.getBackend()).toBe('wasm');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('wasmMemoryBytes: the wasm backend\'s memory, which grows with what it holds; 0 on cpu', async () => {
    const { tf } = await initTf('wasm');
    const before = wasmMemoryBytes();
    expect(before).toBeGreaterThan(0);
    expect(before % 65536).toBe(0); // whole WebAssembly pages
    // A tensor larger than the memory makes it grow; disposing it does not shrink it.
    const big = tf.zeros([before / 4 + 1024]);
    expect(wasmMemoryBytes()).toBeGreaterThan(before);
    big.dispose();
    expect(wasmMemoryBytes()).toBeGreaterThan(before);
    await initTf('cpu');
    expect(wasmMemoryBytes()).toBe(0);
    await initTf('wasm');
  });

  test("'node' without tfjs-node rejects with the cause", async () => {
    let nodeWorks = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeWorks = false;
    }
    if (nodeWorks) return; // a machine with the native backend: nothing to check here
    await expect(initTf('node')).rejects.toThrow(/initTf\('node'\): @tensorflow\/tfjs-node is not usable \(node: Cannot find module/);
  });

  test('an unknown preference is rejected, naming the value', async () => {
    await expect(initTf('gpu' as never)).rejects.toThrow(/prefer must be one of auto, node, wasm, cpu, got "gpu"/);
  });

  test('lazyTf: get() before loading starts the load and throws; prepare() resolves once loaded; then get() is tfjs', async () => {
    const lz = lazyTf('cpu');
    expect(lz.loaded).toBeNull();
    expect(() => lz.get()).toThrow(/TensorFlow.js \(cpu\) is not loaded in this thread yet .*: loading it now; this fit is retried later/);
    await lz.prepare();
    expect(lz.loaded!.backend).toBe('cpu');
    expect(lz.get()).toBe(lz.loaded!.tf);
    await lz.prepare(); // once loaded, again is a no-op
  });

  test('lazyTf: a failed load is kept and named by prepare() and get()', async () => {
    try {
      require.resolve('@tensorflow/tfjs-node');
      return; // a machine with the native backend: 'node' loads there
    } catch {
      // expected here
    }
    const lz = lazyTf('node');
    await expect(lz.prepare()).rejects.toThrow(/tfjs-node is not usable/);
    expect(() => lz.get()).toThrow(/tfjs-node is not usable/);
    expect(lz.loaded).toBeNull();
  });
});
