import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TRANSFORM_FAILED = /^Transform failed with \d+ errors?:\n([^\n]+?):(\d+):(\d+): ERROR: ([^\n]+)/;
const NODE_LOCATION = /^(file:\/\/[^\n]+?):(\d+)\n([^\n]*)\n([ \t]*\^+)[^\n]*\n/m;

/**
 * Where a syntax error that stopped an agent module from loading is, as `file:line[:column]: message`
 * plus the offending line with a caret when known; undefined for other errors.
 *
 * TypeScript (through tsx/esbuild) reports the place in its message. Node's ESM loader does not put
 * it on the error (only its crash printout has it), so for JavaScript the import is repeated in a
 * child `node` that only parses: a module graph with a syntax error is never linked, so none of
 * the user's code runs there.
 */
export function describeModuleSyntaxError(error: unknown, file: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const transform = TRANSFORM_FAILED.exec(error.message);
  if (transform) return `${transform[1]}:${transform[2]}:${transform[3]}: ${transform[4]}`;
  if (error.name !== 'SyntaxError') return undefined;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)});`], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const where = NODE_LOCATION.exec(child.stderr ?? '');
  if (!where) return `${file}: ${error.message}`;
  const path = where[1]!.startsWith('file:') ? fileURLToPath(where[1]!) : where[1]!;
  return `${path}:${where[2]}: ${error.message}\n    ${where[3]}\n    ${where[4]}`;
}
