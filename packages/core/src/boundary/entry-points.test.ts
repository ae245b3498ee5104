import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as app from '../index.js';
import * as plugin from '../plugin.js';

/**
 * The split between the two entries of @patter/core, kept small on purpose: `@patter/core` is what
 * an application uses, `@patter/core/plugin` what plugins, carriers and custom runtimes build on.
 * A new export goes to one of them deliberately; growing the app entry past these bounds is a
 * decision to make in review, not by accident.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** At most this many runtime exports (values, classes, functions) in `@patter/core`. */
const APP_RUNTIME_EXPORTS_MAX = 40;
/** At most this many exported names, types included, in `@patter/core`. */
const APP_NAMES_MAX = 130;

/** Machinery a plugin author reaches for: in the plugin entry, never in the app entry. */
const PLUGIN_MACHINERY = [
  'definePlugin',
  'connectWebSocket',
  'WebSocket',
  'httpRequest',
  'createWebSocketSTTStream',
  'BufferedSTTStream',
  'streamHttpTTS',
  'streamLLMRequest',
  'retry',
  'resolveApiKey',
  'AsyncQueue',
  'TypedEmitter',
  'Resampler',
  'createAudioConverter',
  'StreamCallTransport',
  'createCallSession',
  'TTSStreamError',
];

/** Every name an entry file exports by name, types included, and the modules it re-exports whole. */
function exportsOf(file: string): { readonly names: string[]; readonly whole: string[] } {
  const source = ts.createSourceFile(file, readFileSync(resolve(SRC, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  const whole: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    const clause = statement.exportClause;
    if (!clause) whole.push((statement.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isNamedExports(clause)) for (const element of clause.elements) names.push(element.name.text);
  }
  return { names, whole };
}

describe('@patter/core entry points', () => {
  const appRuntime = Object.keys(app);
  const pluginRuntime = Object.keys(plugin);

  it('the app entry holds none of the plugin machinery; the plugin entry holds all of it', () => {
    expect(PLUGIN_MACHINERY.filter((name) => name in app)).toEqual([]);
    expect(PLUGIN_MACHINERY.filter((name) => !(name in plugin))).toEqual([]);
  });

  it('the plugin entry is the app entry plus the machinery: the same objects, no name exported twice', () => {
    expect(exportsOf('index.ts').whole).toEqual([]);
    expect(exportsOf('plugin.ts').whole).toEqual(['./index.js']);
    const appNames = new Set(exportsOf('index.ts').names);
    expect(exportsOf('plugin.ts').names.filter((name) => appNames.has(name))).toEqual([]);
    expect(appRuntime.filter((name) => (plugin as Record<string, unknown>)[name] !== (app as Record<string, unknown>)[name])).toEqual([]);
  });

  it(`the app entry stays small: at most ${APP_RUNTIME_EXPORTS_MAX} runtime exports, ${APP_NAMES_MAX} names with the types`, () => {
    expect(appRuntime.length).toBeLessThanOrEqual(APP_RUNTIME_EXPORTS_MAX);
    expect(exportsOf('index.ts').names.length).toBeLessThanOrEqual(APP_NAMES_MAX);
  });

  it('what an application needs is in the app entry', () => {
    for (const name of ['defineTool', 'registry', 'createSTT', 'ConfigError', 'ProviderError', 'FallbackLLM', 'EnergyVAD', 'MULAW_8K', 'silentLogger']) {
      expect(appRuntime, name).toContain(name);
    }
    expect(pluginRuntime.length).toBeGreaterThan(appRuntime.length);
  });
});
