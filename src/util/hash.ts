/** FNV-1a (32 bit) of a string: a stable, well-spread phase for per-workload schedules. e.g. fnv1a('chat') % 1440. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
