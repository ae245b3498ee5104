/**
 * Gathers keypad digits into one input: flushed on `#`, or after `idleMs` without a key.
 * `#` itself is kept (an IVR-style "end of entry" the model may care about).
 */
export class DtmfCollector {
  private digits = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onInput: (digits: string) => void,
    private readonly idleMs = 1500,
  ) {}

  push(digits: string): void {
    this.digits += digits;
    clearTimeout(this.timer);
    if (digits.includes('#')) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.idleMs);
    this.timer.unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const digits = this.digits;
    this.digits = '';
    if (digits !== '') this.onInput(digits);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.digits = '';
  }
}
