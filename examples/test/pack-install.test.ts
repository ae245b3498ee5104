import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a user gets from npm: every package packed as it would be published (`pnpm pack`: workspace
// and catalog versions replaced), installed with npm from the tarballs into a fresh app outside the
// workspace (third-party dependencies from the registry), type-checked with skipLibCheck: false,
// and run through `import` and through `require`. Uses the builds (dist): `npm test` builds first.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((name) => {
  const file = join(ROOT, 'packages', name, 'package.json');
  return existsSync(file) && !(JSON.parse(readFileSync(file, 'utf8')) as { private?: boolean }).private;
});
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TYPES_NODE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@types/node']!;

let dir = '';
let app = '';
beforeAll(async () => {
  const unbuilt = PACKAGES.filter((name) => !existsSync(join(ROOT, 'packages', name, 'dist', 'index.cjs')));
  if (unbuilt.length > 0) throw new Error(`build first (npm test does): no dist/index.cjs in ${unbuilt.join(', ')}`);
  dir = mkdtempSync(join(tmpdir(), 'patter-pack-'));
  const tarballs = join(dir, 'tarballs');
  app = join(dir, 'app');
  await run('npx', ['-y', 'pnpm@10.34.8', '-r', '--filter', './packages/*', 'pack', '--pack-destination', tarballs], { cwd: ROOT, maxBuffer: 64 << 20 });
  const dependencies: Record<string, string> = { '@types/node': TYPES_NODE };
  for (const file of readdirSync(tarballs)) {
    const name = /^patter-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)?.[1];
    if (name) dependencies[`@patter/${name}`] = `file:${join(tarballs, file)}`;
  }
  writeFileSync(join(dir, 'package.json'), '{}\n'); // keeps npm from walking up to a workspace
  const { mkdirSync } = await import('node:fs');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'patter-user-app', private: true, dependencies }, null, 2));
  // --ignore-scripts: onnxruntime-node's postinstall only downloads optional GPU libraries (its CPU
  // binaries are in the tarball), and no other dependency needs a build step.
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, maxBuffer: 64 << 20 });
  writeFiles(app);
}, 240_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packed packages installed from their tarballs into a fresh app', () => {
  it('every package is packed and installed, with a LICENSE and no workspace or catalog version left', () => {
    for (const name of PACKAGES) {
      const installed = join(app, 'node_modules', '@patter', name);
      expect(existsSync(join(installed, 'LICENSE')), `${name} LICENSE`).toBe(true);
      const manifest = readFileSync(join(installed, 'package.json'), 'utf8');
      expect(manifest, name).not.toMatch(/workspace:|catalog:/);
    }
  });

  it('type-checks against every package through import and through require, with skipLibCheck: false', async () => {
    const result = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app }).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 120_000);

  it('runs the example through import and through require: the Twilio webhook answers with the stream TwiML', async () => {
    for (const file of ['out/example.mjs', 'out/example.cjs']) {
      const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 60_000 });
      expect(stdout, file).toMatch(/^twiml ws:\/\/127\.0\.0\.1:\d+\/twilio\/stream\/\S+$/m);
    }
  }, 120_000);

  it('runs the example on the oldest Node.js it supports (engines: >=20.12), both ways', async () => {
    for (const file of ['out/example.mjs', 'out/example.cjs']) {
      const { stdout } = await run('npx', ['-y', 'node@20.12.0', file], { cwd: app, timeout: 120_000 });
      expect(stdout, file).toMatch(/^twiml ws:\/\/127\.0\.0\.1:\d+\/twilio\/stream\/\S+$/m);
    }
  }, 240_000);

  it('one registry per process when the ESM and the CommonJS copies are both loaded', async () => {
    const { stdout } = await run(process.execPath, ['out/registry.cjs'], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ sameRegistry: true, esmSeesCjsPlugin: true, cjsSeesEsmPlugin: true });
  }, 60_000);

  it('@patter/core/plugin shares one copy of core with @patter/core, through import and through require', async () => {
    // A provider a plugin registers through the plugin entry is created through the app entry, and
    // an error the plugin machinery throws is an instance of the class the app entry exports: both
    // entries load the same chunk of core (one registry, one class per error), in each format.
    const expected = { registered: true, sameClass: true, sameError: true };
    for (const file of ['out/plugin-entry.mjs', 'out/plugin-entry.cjs']) {
      const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 60_000 });
      expect(JSON.parse(stdout), file).toEqual(expected);
    }
  }, 60_000);

  it('patter serve of a TypeScript module without tsx installed says how to install it', async () => {
    const failure = await run(process.execPath, ['node_modules/@patter/server/bin/patter.js', 'serve', 'agent.ts'], { cwd: app, timeout: 60_000 }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toMatch(/install tsx/);
  }, 60_000);
});

/** The app's sources: an import of every package (and core's plugin entry) both ways, the example, the registry checks. */
function writeFiles(app: string): void {
  const names = readdirSync(join(app, 'node_modules', '@patter'));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out', types: ['node'] },
      include: ['*.mts', '*.cts'],
    }),
  );
  const entries = [...names.map((name) => `@patter/${name}`), '@patter/core/plugin'];
  writeFileSync(join(app, 'all.mts'), entries.map((entry, i) => `import * as p${i} from '${entry}';`).join('\n') + `\nexport const all = [${entries.map((_, i) => `p${i}`).join(', ')}];\n`);
  writeFileSync(join(app, 'all.cts'), entries.map((entry, i) => `import p${i} = require('${entry}');`).join('\n') + `\nexport const all = [${entries.map((_, i) => `p${i}`).join(', ')}];\n`);
  // Plain Patter: a Twilio webhook signed as Twilio signs it, answered with the stream TwiML. (Not
  // @patter/testing's simulator: its entry point imports vitest, which a plain app has not got.)
  const example = (imports: string): string => `${imports}
const AUTH_TOKEN = 'auth-token-for-the-packed-example';
async function main(): Promise<void> {
  const phone = new Patter({
    carrier: new Twilio({ accountSid: 'AC' + 'e5'.repeat(16), authToken: AUTH_TOKEN }),
    phoneNumber: '+14155550199',
    logger: silentLogger,
  });
  const agent = phone.agent({ stt: deepgram.STT({ apiKey: 'dg-key' }), llm: openai.LLM({ apiKey: 'sk-key' }), tts: elevenlabs.TTS({ apiKey: 'el-key' }) });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, devPhone: false });
  const url = handle.url + '/twilio/voice';
  const params: Record<string, string> = { AccountSid: 'AC' + 'e5'.repeat(16), CallSid: 'CA' + 'f6'.repeat(16), CallStatus: 'ringing', Direction: 'inbound', From: '+14155550100', To: '+14155550199' };
  const signed = url + Object.keys(params).sort().map((key) => key + params[key]).join('');
  const signature = createHmac('sha1', AUTH_TOKEN).update(signed).digest('base64');
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  const twiml = await response.text();
  console.log('twiml ' + (/<Stream url="([^"]+)"/.exec(twiml)?.[1] ?? 'missing: ' + response.status + ' ' + twiml));
  await handle.close({ timeoutMs: 0 });
}
void main();
`;
  writeFileSync(
    join(app, 'example.mts'),
    example(`import { createHmac } from 'node:crypto';
import { silentLogger } from '@patter/core';
import * as deepgram from '@patter/deepgram';
import * as elevenlabs from '@patter/elevenlabs';
import * as openai from '@patter/openai';
import { Patter } from '@patter/server';
import { Twilio } from '@patter/twilio';`),
  );
  writeFileSync(
    join(app, 'example.cts'),
    example(`import { createHmac } from 'node:crypto';
import { silentLogger } from '@patter/core';
import deepgram = require('@patter/deepgram');
import elevenlabs = require('@patter/elevenlabs');
import openai = require('@patter/openai');
import { Patter } from '@patter/server';
import { Twilio } from '@patter/twilio';`),
  );
  writeFileSync(
    join(app, 'registry.cts'),
    `import cjsCore = require('@patter/core');
require('@patter/deepgram');
async function main(): Promise<void> {
  const esmCore = await import('@patter/core');
  await import('@patter/cartesia');
  console.log(JSON.stringify({
    sameRegistry: (esmCore.registry as object) === (cjsCore.registry as object),
    esmSeesCjsPlugin: esmCore.registry.has('stt', 'deepgram'),
    cjsSeesEsmPlugin: cjsCore.registry.has('tts', 'cartesia_tts'),
  }));
}
void main();
`,
  );
  // A plugin as its author writes it: contracts from @patter/core, machinery from @patter/core/plugin.
  const pluginEntry = (imports: string, key: string): string => `${imports}
class EchoSTT implements STTProvider {
  readonly key = '${key}';
  readonly inputFormats = [MULAW_8K];
  stream(): never {
    throw new ConfigError('stream', 'not in this check');
  }
}
registry.register(definePlugin({ name: '@acme/${key}', providers: [{ kind: 'stt', key: '${key}', create: () => new EchoSTT() }] }));
let error: unknown;
try {
  resolveApiKey(undefined, 'ACME_NOT_SET_API_KEY');
} catch (caught) {
  error = caught;
}
console.log(JSON.stringify({
  registered: createSTT('${key}', {}) instanceof EchoSTT,
  sameClass: new TTSStreamError('acme', 0) instanceof ProviderError,
  sameError: error instanceof ConfigError && error instanceof PatterError,
}));
`;
  writeFileSync(
    join(app, 'plugin-entry.mts'),
    pluginEntry(`import { ConfigError, MULAW_8K, PatterError, ProviderError, createSTT, registry, type STTProvider } from '@patter/core';
import { TTSStreamError, definePlugin, resolveApiKey } from '@patter/core/plugin';`, 'acme_esm'),
  );
  writeFileSync(
    join(app, 'plugin-entry.cts'),
    pluginEntry(`import { ConfigError, MULAW_8K, PatterError, ProviderError, createSTT, registry, type STTProvider } from '@patter/core';
import plugin = require('@patter/core/plugin');
const { TTSStreamError, definePlugin, resolveApiKey } = plugin;`, 'acme_cjs'),
  );
  writeFileSync(join(app, 'agent.ts'), "export const phone = {}; export const agent = {};\n");
}
