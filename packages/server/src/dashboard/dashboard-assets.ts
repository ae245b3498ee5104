import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The dashboard's static files, shipped in `assets/dashboard/` beside `src/` and `dist/`. */
const DIRECTORIES = [new URL('../assets/dashboard/', import.meta.url), new URL('../../assets/dashboard/', import.meta.url)];

export const DASHBOARD_ASSETS = new Set(['index.html', 'app.js', 'app.css', 'login.html']);

const cache = new Map<string, { body: string; type: string }>();

/** One dashboard asset, read once and cached. */
export function dashboardAsset(name: string): { body: string; type: string } {
  const cached = cache.get(name);
  if (cached) return cached;
  let lastError: unknown;
  for (const directory of DIRECTORIES) {
    try {
      const body = readFileSync(fileURLToPath(new URL(name, directory)), 'utf8');
      const asset = { body, type: TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' };
      cache.set(name, asset);
      return asset;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
