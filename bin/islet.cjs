#!/usr/bin/env node
// Starts islet with --no-node-snapshot (isolated-vm needs it) on the Node that runs this file.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const child = spawn(
  process.execPath,
  ['--no-node-snapshot', join(__dirname, '..', 'dist', 'islet.cjs'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
