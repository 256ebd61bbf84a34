/**
 * Persistence end to end: real services (express on 127.0.0.1, ephemeral ports), the demo source,
 * a fake clock, and a real state directory in a temp folder.
 *
 * - A service stopped and restarted on the same state dir serves the same recommendation and
 *   forecast as one that never stopped: the restart resumes the saved trained engine (or, when
 *   that snapshot does not fit, replays the saved samples) and backfills only the tail it missed
 *   from the source.
 * - A corrupt file, a file of another format version and a file from changed settings each mean
 *   a retrain from the source: logged, counted in prescale_state_loads_total, never a crash.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultShape } from '../../src/demo/workload';
import type { Series } from '../../src/domain/series';
import { demoSpec, startService, type Service } from '../../src/cli/serve';
import { DemoSource, type LoadSource } from '../../src/engine/sources';
import { StateStore } from '../../src/engine/store';
import { STATE_VERSION } from '../../src/engine/state';
import type { WorkloadSpec } from '../../src/engine/workloadEngine';
import { classicalForecasters } from '../../src/forecast/models';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 7, 12, 0, 0) / 1000;
const forecasters = classicalForecasters().filter((f) => f.name === 'naive' || f.name === 'seasonal-naive');
const spec: WorkloadSpec = { ...demoSpec(1), historySeconds: 86400 };

/** The demo source, counting the samples it was asked for (the restart must only ask for the tail). */
class CountingSource implements LoadSource {
  readonly describe = 'counting demo';
  samples = 0;
  private readonly inner = new DemoSource(defaultShape);
  async backfill(start: number, end: number, step: number): Promise<Series> {
    const s = await this.inner.backfill(start, end, step);
    this.samples += s.values.length;
    return s;
  }
  latest(now: number, step: number) {
    return this.inner.latest(now, step);
  }
}

interface Run {
  service: Service;
  source: CountingSource;
  logs: string[];
  clock: { now: number };
}

async function run(now: number, stateDir?: string): Promise<Run> {
  const clock = { now };
  const source = new CountingSource();
  const logs: string[] = [];
  const service = await startService({
    workloads: [{ spec, source }],
    forecasters,
    clock: () => clock.now,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    defaultMetrics: false,
    version: 'test',
    ...(stateDir ? { stateDir } : {}),
    log: (level, event, fields) => logs.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`),
  });
  return { service, source, logs, clock };
}

/** Moves a run's clock to `to` one minute at a time, ticking at each. */
async function advance(r: Run, to: number): Promise<void> {
  while (r.clock.now < to) {
    r.clock.now = Math.min(to, r.clock.now + 60);
    await r.service.loop.tick();
  }
}

const get = async (r: Run, p: string) => {
  const res = await fetch(r.service.server.url + p);
  return { status: res.status, text: await res.text() };
};
const REC = '/api/v1/workloads/demo/demo-llm/recommendation';
const FC = '/api/v1/workloads/demo/demo-llm/forecast?horizon=1h';

let dir: string;
const running: Run[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'prescale-service-state-'));
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.service.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['the saved trained engine', 'snapshot', (_f: string): void => undefined],
  // The engine snapshot does not fit (as after an upgrade that changed a model's saved shape): the samples are replayed.
  [
    'a replay of the saved samples',
    'replay',
    (f: string): void => {
      const j = JSON.parse(readFileSync(f, 'utf8')) as { engine: { forecaster: { models: unknown[] } } };
      j.engine.forecaster.models[1] = { name: 'seasonal-naive', state: { ring: 'x', head: 0 } };
      writeFileSync(f, JSON.stringify(j));
    },
  ],
] as const)('a restarted service serves what one that never stopped serves (from %s)', async (_what, from, damage) => {
  const steady = await run(T0);
  running.push(steady);
  const first = await run(T0, dir);
  // 17 minutes of ticks, then a stop (which saves), 23 minutes down, a restart on the same dir.
  await advance(first, T0 + 17 * 60);
  await first.service.stop();
  expect(first.logs.filter((l) => l.includes('state_save_failed'))).toEqual([]);
  damage(new StateStore(dir).fileFor(spec.id));
  const restartAt = T0 + 40 * 60;
  const second = await run(restartAt, dir);
  running.push(second);
  await advance(steady, restartAt);
  expect(second.logs.some((l) => l.startsWith('info state_restored') && l.includes(`"from":"${from}"`) && (from === 'snapshot' || l.includes('"plannerStateMatches":true')))).toBe(true);
  if (from === 'replay') expect(second.logs.some((l) => l.startsWith('warn state_snapshot_rejected') && l.includes('seasonal-naive.ring is'))).toBe(true);
  // Only the 23 missed minutes came from the source, not a day of history.
  expect(second.source.samples).toBe(23);
  const a = await get(steady, REC);
  const b = await get(second, REC);
  expect(a.status).toBe(200);
  expect(JSON.parse(b.text)).toEqual(JSON.parse(a.text));
  expect(JSON.parse((await get(second, FC)).text)).toEqual(JSON.parse((await get(steady, FC)).text));
  // And they keep agreeing afterwards.
  await advance(steady, restartAt + 600);
  await advance(second, restartAt + 600);
  expect(JSON.parse((await get(second, REC)).text)).toEqual(JSON.parse((await get(steady, REC)).text));
  expect((await get(second, '/metrics')).text).toMatch(/^prescale_state_loads_total\{workload="demo-llm",result="restored"\} 1$/m);
});

async function saveThenDamage(damage: (file: string) => void): Promise<Run> {
  const first = await run(T0, dir);
  await first.service.stop();
  damage(new StateStore(dir).fileFor(spec.id));
  const second = await run(T0 + 600, dir);
  running.push(second);
  return second;
}

test.each([
  ['corrupt', (f: string) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 500))],
  ['old_version', (f: string) => writeFileSync(f, readFileSync(f, 'utf8').replace(`"version":${STATE_VERSION},`, '"version":1,'))],
  ['corrupt', (f: string) => writeFileSync(f, '\u0000\u0000garbage')],
])('a damaged state file (%s) means a retrain from the source, logged and counted', async (reason, damage) => {
  const r = await saveThenDamage(damage);
  expect(r.logs.some((l) => l.startsWith('warn state_rejected') && l.includes(`"result":"${reason}"`))).toBe(true);
  // The retrain backfilled the whole day (1,440 steps + the current one) and serves a recommendation.
  expect(r.source.samples).toBe(1441);
  const rec = await get(r, REC);
  expect(rec.status).toBe(200);
  expect(JSON.parse(rec.text).time).toBe(T0 + 600);
  expect((await get(r, '/metrics')).text).toMatch(new RegExp(`^prescale_state_loads_total\\{workload="demo-llm",result="${reason}"\\} 1$`, 'm'));
  // The next save replaces the damaged file with a good one.
  await r.service.loop.saveAll();
  expect((await new StateStore(dir).load(spec)).kind).toBe('restored');
});

test('a state dir that cannot be written is logged and counted, and the service keeps serving', async () => {
  const file = path.join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const r = await run(T0, file);
  running.push(r);
  expect(r.logs.some((l) => l.startsWith('warn state_save_failed'))).toBe(true);
  expect((await get(r, REC)).status).toBe(200);
  expect((await get(r, '/metrics')).text).toMatch(/^prescale_state_saves_total\{workload="demo-llm",result="error"\} 1$/m);
});
