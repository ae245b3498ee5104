/**
 * Removes the Markdown an LLM puts in text that is about to be spoken: emphasis markers,
 * heading hashes, inline code backticks, bullet dashes and link syntax (the link text stays).
 * Leaves everything else — numbers, URLs, punctuation — as it is.
 */
export function speakableText(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\((?:[^)\s]+)\)/g, '$1')
    .replace(/(\*\*|__|\*|`+)(?=\S)([^*`\n]*?\S)\1/g, '$2')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*[-*•]\s+/gm, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
