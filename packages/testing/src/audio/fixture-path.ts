import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestKitError } from '../test-kit-error.js';
import { FIXTURE_TEXTS, type FixtureName, type FixtureVariant } from './fixture-texts.js';

let fixturesDir: string | undefined;

/** The package's `fixtures/` folder, found from this module (works from `src/` and from `dist/`). */
export function fixturesDirectory(): string {
  if (fixturesDir) return fixturesDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, 'fixtures');
    if (existsSync(join(candidate, 'silence-1s.pcm16-16k.wav'))) return (fixturesDir = candidate);
    dir = dirname(dir);
  }
  throw new TestKitError('cannot find the @patter/testing fixtures folder');
}

/** Absolute path of a fixture WAV file. */
export function fixturePath(name: FixtureName, variant: FixtureVariant = 'pcm16-16k'): string {
  if (!(name in FIXTURE_TEXTS)) throw new TestKitError(`unknown fixture "${name}"`);
  return join(fixturesDirectory(), `${name}.${variant}.wav`);
}
