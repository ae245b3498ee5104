/**
 * The part of `text` heard when `fraction` (0–1) of its audio was played: proportional by
 * characters, cut back to the last whole word, with a trailing ellipsis-free end.
 */
export function playedPrefix(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  if (fraction <= 0) return '';
  const target = Math.floor(text.length * fraction);
  const next = text[target];
  if (next === undefined || next === ' ') return text.slice(0, target).trim();
  const space = text.lastIndexOf(' ', target);
  return space <= 0 ? '' : text.slice(0, space).trim();
}
