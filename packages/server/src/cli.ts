// The `patter` command's entry point (bin/patter.js imports the build of this file).
import { runCli } from './run-cli.js';

const args = process.argv.slice(2);
const code = await runCli(args);
if (code !== 0) process.exitCode = code;
// A finished test-mode conversation exits even if the agent module left handles open.
if (args[0] === 'test') process.exit(code);
