/**
 * A growable scratch array handed out as views of its first `length` elements, the same view
 * object while the length stays the same: a converter's per-frame output without a per-frame
 * allocation. Cached by identity and length only — no `.buffer` comparison, which V8 runs as a
 * call into C++ (`JSTypedArray::GetBuffer`) on every access.
 */
export class PrefixView<T extends Int16Array | Uint8Array> {
  private array: T;
  private view: T;

  constructor(private readonly create: (length: number) => T) {
    this.array = this.view = create(0);
  }

  /** A view of the first `length` elements (their contents are the caller's to fill). */
  of(length: number): T {
    const array = this.room(length);
    if (this.view.length !== length) this.view = (length === array.length ? array : array.subarray(0, length)) as T;
    return this.view;
  }

  /** The whole scratch array, grown (contents lost) to hold at least `length` elements. */
  room(length: number): T {
    if (this.array.length < length) this.array = this.view = this.create(Math.max(256, 2 ** Math.ceil(Math.log2(length))));
    return this.array;
  }
}
