#!/usr/bin/env -S node --
// The `patter-mcp` command: a Patter server driven over MCP (stdio). The CLI is src/cli.ts, built to dist/cli.js.
import '../dist/cli.js';
