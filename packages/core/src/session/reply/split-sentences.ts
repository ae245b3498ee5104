import { SentenceChunker } from './sentence-chunker.js';

/**
 * A whole text (a first message, words a tool or hook says) cut as a streamed reply is: into
 * sentences, each its own TTS request, so a long greeting starts as soon as its first sentence
 * is synthesized and a barge-in knows which sentences were heard. Never empty for a text with
 * words in it.
 */
export function splitSentences(text: string): string[] {
  const chunker = new SentenceChunker();
  const sentences = chunker.push(text);
  const rest = chunker.flush();
  if (rest !== undefined) sentences.push(rest);
  return sentences.length > 0 ? sentences : [text];
}
