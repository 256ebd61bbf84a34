/**
 * Edge: read workload configs from a YAML/JSON file or a directory of them. Never throws for a bad
 * config: the result is the frozen Config or a typed ConfigError.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, parseConfig, type Config, type ConfigIssue, type ParseResult } from './schema';

const CONFIG_EXT = new Set(['.yaml', '.yml', '.json']);

/**
 * Parse YAML or JSON text (JSON is YAML, but JSON files get JSON's stricter parser so that a
 * trailing comma is reported, not read as something else). Pure.
 */
export function parseText(text: string, origin: string): ParseResult<unknown> {
  if (origin.endsWith('.json')) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (e) {
      return { ok: false, error: new ConfigError(origin, [{ path: '(root)', message: (e as Error).message }], 'CONFIG_SYNTAX') };
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => ({ path: '(root)', message: e.message.split('\n')[0] ?? e.message }));
    return { ok: false, error: new ConfigError(origin, issues, 'CONFIG_SYNTAX') };
  }
  return { ok: true, value: doc.toJS() as unknown };
}

/**
 * Merge several documents (one per file of a directory): workloads are concatenated in file-name
 * order; `prometheus` may appear in at most one file. Issue paths name the file too. Pure.
 */
export function mergeDocuments(docs: readonly { file: string; doc: unknown }[], origin: string): ParseResult<Config> {
  const workloads: unknown[] = [];
  const owner: string[] = [];
  let prometheus: unknown;
  let prometheusFile: string | undefined;
  const issues: ConfigIssue[] = [];
  for (const { file, doc } of docs) {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      issues.push({ path: `${file}: (root)`, message: 'must be a mapping with a `workloads` list', value: doc });
      continue;
    }
    const d = doc as Record<string, unknown>;
    for (const k of Object.keys(d)) {
      if (k !== 'workloads' && k !== 'prometheus') issues.push({ path: `${file}: ${k}`, message: `unknown key "${k}"` });
    }
    if (d.prometheus !== undefined) {
      if (prometheusFile !== undefined) issues.push({ path: `${file}: prometheus`, message: `already set in ${prometheusFile}` });
      prometheus = d.prometheus;
      prometheusFile = file;
    }
    if (d.workloads !== undefined) {
      if (!Array.isArray(d.workloads)) issues.push({ path: `${file}: workloads`, message: 'must be a list', value: d.workloads });
      else for (const w of d.workloads) {
        workloads.push(w);
        owner.push(file);
      }
    }
  }
  if (issues.length > 0) return { ok: false, error: new ConfigError(origin, issues) };
  const r = parseConfig(prometheus === undefined ? { workloads } : { prometheus, workloads }, origin);
  if (r.ok) return r;
  // workloads[3] of the merged list -> "b.yaml: workloads[3]" so the user knows which file to open.
  const named = r.error.issues.map((i) => {
    const m = /^workloads\[(\d+)\]/.exec(i.path);
    const f = m ? owner[Number(m[1])] : i.path.startsWith('prometheus') ? prometheusFile : undefined;
    return f ? { ...i, path: `${f}: ${i.path}` } : i;
  });
  return { ok: false, error: new ConfigError(origin, named) };
}

/**
 * Load a config file (.yaml, .yml, .json) or a directory of them (non-recursive; dotfiles such as
 * a ConfigMap volume's `..data` are skipped). Never rejects.
 */
export async function loadConfig(p: string): Promise<ParseResult<Config>> {
  const unreadable = (e: unknown): ParseResult<Config> => ({
    ok: false,
    error: new ConfigError(p, [{ path: '(root)', message: (e as Error).message }], 'CONFIG_UNREADABLE'),
  });
  let stat;
  try {
    stat = await fs.stat(p);
  } catch (e) {
    return unreadable(e);
  }
  try {
    if (!stat.isDirectory()) {
      const text = await fs.readFile(p, 'utf8');
      const doc = parseText(text, p);
      return doc.ok ? parseConfig(doc.value, p) : doc;
    }
    const names = (await fs.readdir(p)).filter((n) => !n.startsWith('.') && CONFIG_EXT.has(path.extname(n))).sort();
    if (names.length === 0) return unreadable(new Error(`no .yaml, .yml or .json file in directory ${p}`));
    const docs: { file: string; doc: unknown }[] = [];
    for (const n of names) {
      const doc = parseText(await fs.readFile(path.join(p, n), 'utf8'), n);
      if (!doc.ok) return { ok: false, error: new ConfigError(path.join(p, n), doc.error.issues, 'CONFIG_SYNTAX') };
      docs.push({ file: n, doc: doc.value });
    }
    return mergeDocuments(docs, p);
  } catch (e) {
    return unreadable(e);
  }
}
