#!/usr/bin/env -S node --initial-old-space-size=128 --
// The `patter` command. The CLI itself is src/cli.ts, built to dist/cli.js.
// `--` ends node's own options: Node 20 otherwise takes a `--env-file` meant for patter (anywhere on
// the command line) for itself, and exits with its own "not found" before patter can explain.
// `--initial-old-space-size=128`: V8 otherwise keeps the old generation's limit close to a live heap of
// a few tens of MB while calls allocate fast, and marks and compacts it several times a second
// (README "Capacity": the event-loop p99 of 200 transcoding calls 55-86 ms with it off, 13-18 ms on).
import '../dist/cli.js';
