// The `patter` command's entry point (bin/patter.js imports the build of this file).
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
