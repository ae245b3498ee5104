#!/usr/bin/env node
// Runs a command and keeps its output to itself unless it fails: `node scripts/quietly.mjs
// <label> <command> [args…]`. On success prints one line; on failure prints everything the
// command printed, then exits with its code. Used by `npm run demo` so the install and build
// logs do not bury the lines that matter.
import { spawn } from 'node:child_process';

const [label, command, ...args] = process.argv.slice(2);
if (!label || !command) {
  console.error('usage: node scripts/quietly.mjs <label> <command> [args…]');
  process.exit(2);
}
const started = Date.now();
const output = [];
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
child.stdout.on('data', (chunk) => output.push(chunk));
child.stderr.on('data', (chunk) => output.push(chunk));
child.on('error', (err) => {
  console.error(`${label}: could not start ${command}: ${err.message}`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  if (code === 0) {
    console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  process.stderr.write(Buffer.concat(output));
  console.error(`${label}: failed (${signal ?? `exit ${code}`})`);
  process.exit(code ?? 1);
});
