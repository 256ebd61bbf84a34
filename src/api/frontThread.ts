/**
 * Edge: starts the API thread (front.ts) and feeds it. The express app keeps running in this
 * (the engine's) thread on a private loopback port; the API thread listens on the service's port,
 * answers the polled read routes from what publish() sends it, and forwards the rest.
 */
import type { RecommendationBase } from '../engine/workloadEngine';
import type { ClockSpec } from '../runtime/clock';
import { spawnModuleWorker } from '../runtime/worker';
import type { FrontInit, FrontMessage } from './front';
import type { ApiBackend, RunningServer } from './server';

export interface ApiThread extends RunningServer {
  /** Sends the current recommendation of every warm workload to the API thread (after each tick). */
  publish(backend: ApiBackend): void;
  /** The API thread's kernel thread id (Linux), else null. */
  readonly threadId: number | null;
}

/**
 * "namespace/segment" -> recommendation, resolved as ApiBackend.find resolves a URL segment (the
 * first workload with that id, else the first with that name), so that both threads answer a URL
 * with the same workload; cold ones are left out (the express app answers them).
 */
export function recommendationTable(backend: ApiBackend): [string, RecommendationBase][] {
  type W = ReturnType<ApiBackend['workloads']>[number];
  const byId = new Map<string, W>();
  const byName = new Map<string, W>();
  for (const w of backend.workloads()) {
    if (!byId.has(`${w.namespace}/${w.id}`)) byId.set(`${w.namespace}/${w.id}`, w);
    if (!byName.has(`${w.namespace}/${w.name}`)) byName.set(`${w.namespace}/${w.name}`, w);
  }
  const out: [string, RecommendationBase][] = [];
  for (const key of new Set([...byId.keys(), ...byName.keys()])) {
    const b = (byId.get(key) ?? byName.get(key))!.engine?.recommendationBase();
    if (b) out.push([key, b]);
  }
  return out;
}

export async function startApiThread(opts: { readonly port: number; readonly host: string; readonly internalPort: number; readonly clock: ClockSpec }): Promise<ApiThread> {
  const init: FrontInit = { port: opts.port, host: opts.host, internalPort: opts.internalPort, clock: opts.clock };
  // A small young generation: the thread's live data is one table; its garbage (a few kB a request) is collected often and quickly.
  const worker = spawnModuleWorker(__dirname, 'front', init, __filename.endsWith('.ts'), { maxYoungGenerationSizeMb: 4 });
  const { port, threadId } = await new Promise<{ port: number; threadId: number | null }>((resolve, reject) => {
    const onMessage = (m: { type: string; port?: number; threadId?: number | null; message?: string }) => {
      off();
      if (m.type === 'listening') resolve({ port: m.port!, threadId: m.threadId ?? null });
      else reject(new Error(`API thread: ${m.message ?? m.type}`));
    };
    const onError = (err: Error) => {
      off();
      reject(err);
    };
    const onExit = (code: number) => {
      off();
      reject(new Error(`API thread exited with ${code} before listening`));
    };
    const off = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  const shown = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const send = (m: FrontMessage) => worker.postMessage(m);
  return {
    port,
    threadId,
    url: `http://${shown}:${port}`,
    publish(backend) {
      send({ type: 'table', entries: recommendationTable(backend) });
    },
    async close() {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        worker.once('message', () => {
          clearTimeout(t);
          resolve();
        });
        send({ type: 'close' });
      });
      await worker.terminate();
    },
  };
}
