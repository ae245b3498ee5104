#!/usr/bin/env -S node --
// The `patter` command. The CLI itself is src/cli.ts, built to dist/cli.js.
// `--` ends node's own options: Node 20 otherwise takes a `--env-file` meant for patter (anywhere on
// the command line) for itself, and exits with its own "not found" before patter can explain.
import '../dist/cli.js';
