import { ConfigError, type CarrierHttpRequest, type CarrierHttpResponse } from '@patter/core';

export type RouteHandler = (request: CarrierHttpRequest) => Promise<CarrierHttpResponse> | CarrierHttpResponse;

export type RouteMatch =
  | { readonly kind: 'found'; readonly handler: RouteHandler }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

/** Exact-path routing by method. Mounting the same method and path twice is a programming error. */
export class Router {
  private readonly routes = new Map<string, Map<string, RouteHandler>>();

  add(method: string, path: string, handler: RouteHandler): void {
    let byMethod = this.routes.get(path);
    if (!byMethod) {
      byMethod = new Map();
      this.routes.set(path, byMethod);
    }
    const verb = method.toUpperCase();
    if (byMethod.has(verb)) throw new ConfigError('routes', `${verb} ${path} is mounted twice`);
    byMethod.set(verb, handler);
  }

  match(method: string, path: string): RouteMatch {
    const byMethod = this.routes.get(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
    if (!byMethod) return { kind: 'not-found' };
    const handler = byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (handler) return { kind: 'found', handler };
    return { kind: 'method-not-allowed', allow: [...byMethod.keys()] };
  }
}
