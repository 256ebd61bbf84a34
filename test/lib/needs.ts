import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Integration tests run real programs (Prometheus, VictoriaMetrics, Chromium). On a developer's
 * machine without them, the suite is skipped with a note naming the package. In CI
 * (CI=true, where .ci/run installs them) a missing program is a failure, never a silent skip.
 */
export function describeIfAvailable(name: string, missing: string | undefined, fn: () => void): void {
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its real dependency installed (CI installs it: scripts/install-system-deps.sh)', () => {
        throw new Error(`${name}: ${missing}`);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${missing} (install with scripts/install-system-deps.sh)`);
  describe.skip(name, fn);
}


/** The dev traces, read where they live beside the repository (never copied into it). */
export const TRACES_DIR = path.resolve(__dirname, '../../../shared/data/traces');

/** Undefined when the dev traces are there, else why not (for describeIfAvailable). */
export const tracesMissing = (): string | undefined =>
  existsSync(path.join(TRACES_DIR, 'manifest.json')) ? undefined : `${TRACES_DIR} not found (the dev traces live beside the repository)`;
