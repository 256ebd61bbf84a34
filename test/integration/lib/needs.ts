// Kept for the integration suites' imports; the helpers live in test/lib/needs.ts.
export * from '../../lib/needs';
