/** Words before a period that do not end a sentence (lower-case, without the period). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ft', 'ave', 'blvd', 'rd', 'no', 'nos', 'vs', 'etc',
  'inc', 'ltd', 'co', 'corp', 'dept', 'est', 'approx', 'apt', 'fig', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'min', 'max', 'tel',
  'ext', 'e.g', 'i.e', 'a.m', 'p.m', 'u.s', 'u.k', 'cf', 'al', 'gen', 'gov', 'sgt', 'capt', 'lt', 'col', 'rev',
]);

/** Closing quotes and brackets that may follow a sentence's final punctuation. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', ')', ']']);

export interface SentenceChunkerOptions {
  /**
   * The first chunk of a reply may end at a comma, semicolon, colon or dash once it has at
   * least this many characters, so speech starts sooner. 0 disables. Default 40.
   */
  readonly firstClauseMinChars?: number;
  /** Never emit a chunk shorter than this (it joins the next one). Default 2. */
  readonly minChars?: number;
}

/**
 * Cuts streamed text into speakable chunks: whole sentences, and — for the first chunk of a
 * reply — a long enough first clause. A period splits only when followed by white space and
 * not after an abbreviation (`Dr.`), an initial (`J.`), a list number (`2.`) or inside a
 * number (`3.14`), URL or e-mail (`example.com/a.b`), since a split is decided only once the
 * next character is known. Closing quotes and brackets stay with their sentence (`"Hi." Then`).
 * New lines split (list items). `flush()` returns the rest.
 */
export class SentenceChunker {
  private buffer = '';
  private scanFrom = 0;
  private emitted = 0;
  private readonly firstClauseMinChars: number;
  private readonly minChars: number;

  constructor(options: SentenceChunkerOptions = {}) {
    this.firstClauseMinChars = options.firstClauseMinChars ?? 40;
    this.minChars = options.minChars ?? 2;
  }

  /** Adds a delta; returns the chunks it completed (often none). */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const chunk = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut);
      this.scanFrom = 0;
      if (chunk.length < this.minChars && !/[\p{L}\p{N}]/u.test(chunk)) continue;
      if (chunk.length < this.minChars) {
        this.buffer = chunk + this.buffer;
        this.scanFrom = chunk.length;
        break;
      }
      out.push(chunk);
      this.emitted++;
    }
    return out;
  }

  /** The text not yet emitted (end of the reply, or before a tool call). */
  flush(): string | undefined {
    const rest = this.buffer.trim();
    this.buffer = '';
    this.scanFrom = 0;
    if (!/[\p{L}\p{N}]/u.test(rest)) return undefined;
    this.emitted++;
    return rest;
  }

  /** Starts a new reply (the first-clause rule applies again). */
  reset(): void {
    this.buffer = '';
    this.scanFrom = 0;
    this.emitted = 0;
  }

  /** Index just past the end of the first complete chunk, or -1. */
  private findCut(): number {
    const text = this.buffer;
    // The last character cannot be judged until the next one arrives.
    for (let i = this.scanFrom; i < text.length - 1; i++) {
      const ch = text[i] as string;
      const next = text[i + 1] as string;
      if (ch === '\n') {
        if (text.slice(0, i).trim().length > 0) return i + 1;
        continue;
      }
      if (!isSpace(next)) continue;
      // A sentence end may be followed by closing quotes or brackets: 'He said "hi." Then'.
      let end = i;
      while (end > 0 && CLOSERS.has(text[end] as string)) end--;
      const terminal = text[end] as string;
      if (terminal === '!' || terminal === '?' || terminal === '…') return i + 1;
      if (terminal === '.' && this.endsSentence(text, end)) return i + 1;
      if (
        this.emitted === 0 &&
        this.firstClauseMinChars > 0 &&
        (ch === ',' || ch === ';' || ch === ':' || ch === '—') &&
        i + 1 >= this.firstClauseMinChars
      ) {
        return i + 1;
      }
    }
    this.scanFrom = Math.max(0, text.length - 1);
    return -1;
  }

  /** Whether the period at `index` (followed by white space) ends a sentence. */
  private endsSentence(text: string, index: number): boolean {
    let start = index;
    while (start > 0 && !isSpace(text[start - 1] as string)) start--;
    const word = text.slice(start, index).replace(/^[("'“‘[]+/, '');
    if (word === '') return true;
    const lower = word.toLowerCase();
    if (ABBREVIATIONS.has(lower)) return false;
    // An initial ("J.") or dotted acronym ("U.S.", "e.g.").
    if (/^\p{L}$/u.test(word) || /^(\p{L}\.)+\p{L}$/u.test(word)) return false;
    // A list number: at the start of a line or of the text ("2. Pears"), after a colon, "1.",
    // or continuing an inline list whose previous item number is in the text ("1. A 2. B").
    if (/^\d{1,2}$/.test(word)) {
      const before = text.slice(0, start).replace(/[ \t]+$/, '');
      if (before === '' || before.endsWith('\n') || /[:;]$/.test(before)) return false;
      // "1." opens a list wherever it stands (merging a rare "I want 1. Thanks" costs nothing).
      if (word === '1') return false;
      const previous = Number(word) - 1;
      if (previous >= 1 && new RegExp(`(^|\\s)${previous}\\.\\s`).test(before)) return false;
    }
    return true;
  }
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r';
}
