#!/usr/bin/env node
// `prescale`: runs the CLI in this process (one process per pod: no wrapper, no child).
// From a checkout it runs the TypeScript in src/ through tsx's require hook (tsx is a runtime
// dependency), so `npx prescale ...` needs no build step and never runs a stale dist/. The image
// (Dockerfile) ships the compiled JavaScript in dist/ (`npm run build`) and no src/: that is run.
'use strict';
const path = require('node:path');
const { existsSync } = require('node:fs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
if (existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(path.join(root, 'dist', 'cli', 'main.js'));
}
