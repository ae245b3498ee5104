import * as alawmulawModule from 'alawmulaw';

/**
 * The `alawmulaw` package, however it was loaded. It is CommonJS that marks itself `__esModule`
 * with no default export: Node's ESM loader hands its `module.exports` over as `default`, while
 * the CommonJS build of core (its chunks shared by both entries) sees the exports object itself.
 */
export const g711: typeof alawmulawModule =
  (alawmulawModule as typeof alawmulawModule & { readonly default?: typeof alawmulawModule }).default ?? alawmulawModule;
