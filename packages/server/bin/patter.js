#!/usr/bin/env node
// The `patter` command. The CLI itself is src/cli.ts, built to dist/cli.js.
import '../dist/cli.js';
