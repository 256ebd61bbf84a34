import { DEFAULT_BEHAVIOR } from '../../../src/planner/config';
import {
  emptyNormalizeState,
  normalize,
  scaleDownLimit,
  scaleUpLimit,
  type Behavior,
  type NormalizeArgs,
  type NormalizeState,
  type ScalingRules,
} from '../../../src/planner/normalize';

const args = (over: Partial<NormalizeArgs>): NormalizeArgs => ({
  now: 1000, current: 10, desired: 10, min: 1, max: 100, minFromSchedule: false, maxFromSchedule: false, firstCall: false, ...over,
});
const noDownWindow: Behavior = { ...DEFAULT_BEHAVIOR, scaleDown: { ...DEFAULT_BEHAVIOR.scaleDown, stabilizationWindowSeconds: 0 } };

describe('normalize: one step from an empty state (plain table)', () => {
  const cases: Array<{ name: string; a: Partial<NormalizeArgs>; behavior?: Behavior; want: number; codes: string[] }> = [
    { name: 'no change', a: { current: 10, desired: 10 }, want: 10, codes: [] },
    { name: 'scale-up within policy', a: { current: 10, desired: 18 }, want: 18, codes: [] },
    { name: 'scale-up limited: max(+100%, +4) of 10 = 20', a: { current: 10, desired: 30 }, want: 20, codes: ['ScaleUpLimited'] },
    { name: 'scale-up limited: max(+100%, +4) of 2 = 6', a: { current: 2, desired: 30 }, want: 6, codes: ['ScaleUpLimited'] },
    { name: 'scale-up from zero: +4 pods policy', a: { current: 0, desired: 9 }, want: 4, codes: ['ScaleUpLimited'] },
    { name: 'scale-down limited: -10% of 20 = 18', a: { current: 20, desired: 2 }, behavior: noDownWindow, want: 18, codes: ['ScaleDownLimited'] },
    { name: 'scale-down -10% of 5 floors to 4', a: { current: 5, desired: 1 }, behavior: noDownWindow, want: 4, codes: ['ScaleDownLimited'] },
    { name: 'scale-down inside the limit', a: { current: 20, desired: 19 }, behavior: noDownWindow, want: 19, codes: [] },
    { name: 'capped at max', a: { current: 10, desired: 15, max: 12 }, want: 12, codes: ['BoundedMax'] },
    { name: 'raised to min', a: { current: 3, desired: 2, min: 3 }, behavior: noDownWindow, want: 3, codes: ['BoundedMin'] },
    { name: 'scheduled min beats the scale-up policy', a: { current: 2, desired: 2, min: 10, minFromSchedule: true }, want: 10, codes: ['ScheduleBound'] },
    { name: 'scheduled max beats the scale-down policy', a: { current: 20, desired: 20, max: 5, maxFromSchedule: true }, want: 5, codes: ['ScheduleBound'] },
    { name: 'first call seeds the down window with current (as the HPA after restart)', a: { current: 10, desired: 3, firstCall: true }, want: 10, codes: ['ScaleDownStabilized'] },
  ];
  it.each(cases)('$name', ({ a, behavior, want, codes }) => {
    const r = normalize(args(a), behavior ?? DEFAULT_BEHAVIOR, emptyNormalizeState());
    expect(r.replicas).toBe(want);
    expect(r.steps.map((s) => s.code)).toEqual(codes);
  });
});

/** Step through (t, current, desired) and return each normalised result; current follows the result when `follow`. */
function run(seq: Array<[number, number]>, start: number, behavior: Behavior = DEFAULT_BEHAVIOR): number[] {
  let state: NormalizeState = emptyNormalizeState();
  let current = start;
  const out: number[] = [];
  for (const [t, desired] of seq) {
    const r = normalize(args({ now: t, current, desired }), behavior, state);
    state = JSON.parse(JSON.stringify(r.next)) as NormalizeState; // the state must survive JSON
    current = r.replicas;
    out.push(r.replicas);
  }
  return out;
}

describe('normalize: stabilisation window and rate limits over time', () => {
  it('holds a scale-down until the 300 s window has passed, then steps down at -10% per 60 s', () => {
    // desired 20 at t=0, then 10 from t=15 on; current 20.
    const seq: Array<[number, number]> = [[0, 20]];
    for (let t = 15; t <= 600; t += 15) seq.push([t, 10]);
    const out = run(seq, 20);
    const at = (t: number): number => out[t / 15] as number;
    expect(at(285)).toBe(20); // 20 is still in the window (0, 285]
    expect(at(300)).toBe(18); // window (0, 300] no longer holds t=0: max = 10; -10% of 20 -> 18
    expect(at(345)).toBe(18); // within 60 s of the last scale-down: periodStart 20 -> floor(18) = 18
    expect(at(360)).toBe(16); // t=300 event left the 60 s period: -10% of 18 = 16.2 -> 16
    expect(Math.min(...out)).toBeGreaterThanOrEqual(10);
  });

  it('the scale-up policy counts pods added in the current period', () => {
    // current 10, desired 100: t=0 -> 20; t=5 (same 15 s period, periodStart 10) -> still 20; t=15 -> 40.
    expect(run([[0, 100], [5, 100], [15, 100]], 10)).toEqual([20, 20, 40]);
  });

  it('scale-up stabilisation (when configured) takes the min over the up window', () => {
    const b: Behavior = { ...DEFAULT_BEHAVIOR, scaleUp: { ...DEFAULT_BEHAVIOR.scaleUp, stabilizationWindowSeconds: 60 } };
    // t=60: window (0, 60] holds 9, 12, 12 -> 9; t=90: (30, 90] holds 12, 12 -> 12.
    expect(run([[0, 5], [15, 9], [30, 12], [60, 12], [90, 12]], 5, b)).toEqual([5, 5, 5, 9, 12]);
  });

  it('keeps the down-window history compact (monotone deque)', () => {
    // A sawtooth never holds more than window / interval + 1 = 21 entries.
    let state = emptyNormalizeState();
    for (let t = 0; t < 3000; t += 15) state = normalize(args({ now: t, current: 50, desired: 10 + (t % 600) / 15 }), DEFAULT_BEHAVIOR, state).next;
    expect(state.downWindow.length).toBeLessThanOrEqual(21);
    // With no window, a single entry.
    let falling = emptyNormalizeState();
    for (let t = 0; t < 3000; t += 15) falling = normalize(args({ now: t, current: 500, desired: 400 - t / 15 }), noDownWindow, falling).next;
    expect(falling.downWindow).toHaveLength(1);
    // A rising desired keeps only the newest value.
    let rising = emptyNormalizeState();
    for (let t = 0; t < 3000; t += 15) rising = normalize(args({ now: t, current: 500, desired: 1 + t / 15 }), DEFAULT_BEHAVIOR, rising).next;
    expect(rising.downWindow).toHaveLength(1);
    // A falling one keeps every value still in the window: 300 / 15 = 20.
    let fallingWin = emptyNormalizeState();
    for (let t = 0; t < 3000; t += 15) fallingWin = normalize(args({ now: t, current: 500, desired: 400 - t / 15 }), DEFAULT_BEHAVIOR, fallingWin).next;
    expect(fallingWin.downWindow).toHaveLength(20);
  });
});

describe('policy limits (HPA arithmetic)', () => {
  const up: ScalingRules = DEFAULT_BEHAVIOR.scaleUp;
  const down: ScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }, { type: 'Pods', value: 3, periodSeconds: 60 }] };
  const cases = [
    { name: 'up: +100% of 10 beats +4', fn: () => scaleUpLimit(10, 0, up, [], []), want: 20 },
    { name: 'up: +4 beats +100% of 1', fn: () => scaleUpLimit(1, 0, up, [], []), want: 5 },
    { name: 'up: 6 pods added 10 s ago count against the period', fn: () => scaleUpLimit(16, 100, up, [[90, 6]], []), want: 20 },
    { name: 'up: an event older than the period is ignored', fn: () => scaleUpLimit(16, 100, up, [[80, 6]], []), want: 32 },
    { name: "up: 'Min' picks the smaller proposal", fn: () => scaleUpLimit(10, 0, { ...up, selectPolicy: 'Min' }, [], []), want: 14 },
    { name: "up: 'Disabled' keeps current", fn: () => scaleUpLimit(10, 0, { ...up, selectPolicy: 'Disabled' }, [], []), want: 10 },
    { name: 'up: Percent-only still wakes from 0', fn: () => scaleUpLimit(0, 0, { ...up, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, [], []), want: 1 },
    { name: 'down: max change of -10% and -3 pods of 20 is -3', fn: () => scaleDownLimit(20, 0, down, [], []), want: 17 },
    { name: 'down: -10% of 100 beats -3', fn: () => scaleDownLimit(100, 0, down, [], []), want: 90 },
    { name: 'down: 2 removed 30 s ago -> periodStart 22', fn: () => scaleDownLimit(20, 30, { ...down, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] }, [], [[0, 2]]), want: 19 },
    { name: "down: 'Disabled' keeps current", fn: () => scaleDownLimit(20, 0, { ...down, selectPolicy: 'Disabled' }, [], []), want: 20 },
    { name: 'down: never below 0', fn: () => scaleDownLimit(2, 0, down, [], []), want: 0 },
  ];
  it.each(cases)('$name', ({ fn, want }) => {
    expect(fn()).toBe(want);
  });
});
