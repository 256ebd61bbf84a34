/**
 * Writes docs/configuration.md from the schema: `npx tsx scripts/gen-config-doc.ts`.
 * `--check` writes nothing and exits 1 when the committed file differs (for CI or a pre-commit hook).
 * The rendering is pure and lives in scripts/config-doc.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigReference } from './config-doc';

const target = path.join(__dirname, '..', 'docs', 'configuration.md');

function main(): number {
  const text = renderConfigReference();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // absent: differs
    }
    if (current !== text) {
      process.stderr.write(`${path.relative(process.cwd(), target)} is out of date: run npx tsx scripts/gen-config-doc.ts\n`);
      return 1;
    }
    process.stdout.write(`${path.relative(process.cwd(), target)} is up to date\n`);
    return 0;
  }
  writeFileSync(target, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)} (${text.split('\n').length} lines)\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
