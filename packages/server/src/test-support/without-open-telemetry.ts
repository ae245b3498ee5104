import Module, { register } from 'node:module';

/**
 * Loaded with `--import` before anything else: this process behaves as if `@opentelemetry/api`
 * (and every other `@opentelemetry/*` package) were not installed. `import` of it fails with
 * `ERR_MODULE_NOT_FOUND` (a resolve hook) and `require` with `MODULE_NOT_FOUND` (Node 20 runs
 * loader hooks for `import` only, so `require` resolution is wrapped too).
 */
const HIDDEN = /^@opentelemetry\//;

const hooks = `
export async function resolve(specifier, context, next) {
  if (${HIDDEN}.test(specifier)) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

type Resolve = (request: string, ...rest: unknown[]) => string;
const internal = Module as unknown as { _resolveFilename: Resolve };
const original = internal._resolveFilename;
internal._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (HIDDEN.test(request)) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  return original.call(this, request, ...rest);
};
