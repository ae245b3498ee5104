/** The spoken text of every speech fixture (keep in sync with scripts/make-fixtures.sh). */
export const FIXTURE_TEXTS = Object.freeze({
  'hello-there': 'hello there',
  'book-a-table': "I'd like to book a table for two",
  yes: 'yes',
  no: 'no',
  okay: 'okay',
  'what-time-do-you-open': 'what time do you open',
  'silence-1s': '',
} as const);

/** A committed audio fixture: espeak-ng speech, or one second of silence. */
export type FixtureName = keyof typeof FIXTURE_TEXTS;

/** Every fixture name. */
export const FIXTURE_NAMES = Object.freeze(Object.keys(FIXTURE_TEXTS) as FixtureName[]);

/** Formats each fixture is stored in: 16 kHz PCM16 and 8 kHz μ-law (telephone). */
export type FixtureVariant = 'pcm16-16k' | 'mulaw-8k';
