import { readFileSync } from 'node:fs';
import path from 'node:path';

// docs/decisions.md lists every reason code of src/domain/decision.ts, and nothing else.
it('docs/decisions.md documents exactly the reason codes the planner can emit', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const src = readFileSync(path.join(root, 'src/domain/decision.ts'), 'utf8');
  const start = src.indexOf('export type ReasonCode =');
  const block = src.slice(start, src.indexOf("';\n", start) + 2);
  const codes = [...block.matchAll(/\|\s*'(\w+)'/g)].map((m) => m[1]).sort();
  const doc = readFileSync(path.join(root, 'docs/decisions.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
  expect(codes.length).toBeGreaterThan(10);
  expect(documented).toEqual(codes);
});
