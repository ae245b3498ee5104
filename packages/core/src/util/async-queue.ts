/**
 * A single-consumer async queue: producers `push`, one consumer iterates. `end()` finishes the
 * iteration after the queued items; `fail(err)` makes the consumer throw after them. Bounded:
 * beyond `maxSize` items the oldest are dropped and counted in `dropped` (a slow consumer must
 * never grow memory without limit on a call).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private rejectWaiting: ((err: unknown) => void) | undefined;
  private done = false;
  private error: unknown;
  private iterating = false;
  dropped = 0;

  constructor(private readonly maxSize = 10_000) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const resolve = this.waiting;
    if (resolve) {
      this.waiting = undefined;
      this.rejectWaiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.size >= this.maxSize) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.settleWaiting();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error ?? new Error('queue failed');
    this.settleWaiting();
  }

  private settleWaiting(): void {
    if (this.size > 0) return;
    const resolve = this.waiting;
    const reject = this.rejectWaiting;
    this.waiting = undefined;
    this.rejectWaiting = undefined;
    if (this.error !== undefined) reject?.(this.error);
    else resolve?.({ value: undefined, done: true });
  }

  private shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.shift(), done: false });
    if (this.done) {
      return this.error !== undefined
        ? Promise.reject(this.error)
        : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.rejectWaiting = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new Error('AsyncQueue supports a single consumer');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: () => {
        this.end();
        this.items.length = 0;
        this.head = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
