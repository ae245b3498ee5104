/** Every item an async iterable yields, once it ends (transcripts of a stream, chunks of a synthesis). */
export async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
