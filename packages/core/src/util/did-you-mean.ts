/**
 * The candidate closest to `input` by edit distance (case-insensitive, `_`/`-` ignored so
 * `system_prompt` finds `systemPrompt`), when it is close enough to be a likely typo: at most 1 edit
 * for names up to 4 characters, 2 up to 8, else 3. Undefined when nothing is that close.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const needle = normalize(input);
  const limit = needle.length <= 4 ? 1 : needle.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(needle, normalize(candidate), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** Damerau-Levenshtein (optimal string alignment) distance, giving up at `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, twoBack[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    twoBack = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, cap);
}
