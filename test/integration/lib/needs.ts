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
