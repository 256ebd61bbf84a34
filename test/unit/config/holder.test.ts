import { ConfigHolder } from '../../../src/config/holder';
import { ConfigError } from '../../../src/config/schema';

const bad = (msg: string) => ({ ok: false as const, error: new ConfigError('t', [{ path: 'x', message: msg }]) });

describe('ConfigHolder', () => {
  test('keeps the last good value through bad reloads and exposes the error', () => {
    const h = new ConfigHolder<{ v: number }>();
    const seen: [number, number | undefined][] = [];
    h.onChange((v, prev) => seen.push([v.v, prev?.v]));
    expect(h.offer(bad('first'), 100)).toBe(false);
    expect(h.current).toBeUndefined();
    expect(h.lastError?.issues[0]?.message).toBe('first');

    expect(h.offer({ ok: true, value: { v: 1 } }, 200)).toBe(true);
    expect(h.lastError).toBeUndefined();
    expect(h.offer(bad('second'), 300)).toBe(false);
    expect(h.current).toEqual({ v: 1 });
    expect(h.snapshot()).toMatchObject({ acceptedAt: 200, failedAt: 300, generation: 1 });
    expect(h.lastError?.issues[0]?.message).toBe('second');

    h.onChange(() => {
      throw new Error('listener bug');
    });
    expect(h.offer({ ok: true, value: { v: 2 } }, 400)).toBe(true);
    expect(seen).toEqual([
      [1, undefined],
      [2, 1],
    ]);
    expect(h.snapshot().generation).toBe(2);
  });
});
