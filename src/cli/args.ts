/** A small, strict flag parser: unknown flags are errors that name the flag and list the known ones. */
export interface FlagSpec {
  readonly [name: string]: { readonly type: 'string' | 'boolean'; readonly help: string };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): { flags: Record<string, string | boolean>; positional: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag --${name}: expected one of ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    if (s.type === 'boolean') {
      flags[name] = eq < 0 ? true : a.slice(eq + 1) !== 'false';
    } else {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`flag --${name} needs a value (${s.help})`);
      flags[name] = v;
    }
  }
  return { flags, positional };
}

export function usage(command: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(([k, s]) => `  --${k}${s.type === 'string' ? ' VALUE' : ''}`.padEnd(30) + s.help);
  return `usage: prescale ${command}\n${lines.join('\n')}`;
}
