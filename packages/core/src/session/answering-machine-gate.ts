import type { CarrierCallEvent, MachineDetectionResult } from '../carrier/carrier.js';

export interface AnsweringMachineGateHandlers {
  /** A person answered (or detection gave up): start the conversation. */
  readonly onHuman: () => void;
  /** A machine answered and its greeting is over: leave the voicemail. */
  readonly onVoicemail: () => void;
  /** A fax: hang up. */
  readonly onFax: () => void;
}

/**
 * Outbound calls with answering-machine detection: holds the conversation until the carrier
 * reports who answered. No result within `resultTimeoutMs` → treated as a person; a machine
 * whose greeting end is not reported within `greetingTimeoutMs` gets the message anyway.
 */
export class AnsweringMachineGate {
  private decided = false;
  private machine = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly handlers: AnsweringMachineGateHandlers,
    private readonly resultTimeoutMs = 30_000,
    private readonly greetingTimeoutMs = 30_000,
  ) {}

  /** The media stream is up: start waiting. */
  start(): void {
    if (this.decided) return;
    this.arm(this.resultTimeoutMs, () => this.decide('human'));
  }

  handle(event: CarrierCallEvent): void {
    if (event.type !== 'machineDetection' || this.decided) return;
    if (event.result === 'machine') {
      if (event.greetingEnded) this.decide('machine');
      else if (!this.machine) {
        this.machine = true;
        this.arm(this.greetingTimeoutMs, () => this.decide('machine'));
      }
      return;
    }
    // A later "unknown" after a machine start keeps waiting for the greeting end.
    if (this.machine && event.result === 'unknown') return;
    this.decide(event.result);
  }

  close(): void {
    clearTimeout(this.timer);
    this.decided = true;
  }

  private arm(ms: number, fire: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fire, ms);
    this.timer.unref();
  }

  private decide(result: MachineDetectionResult): void {
    if (this.decided) return;
    this.decided = true;
    clearTimeout(this.timer);
    if (result === 'machine') this.handlers.onVoicemail();
    else if (result === 'fax') this.handlers.onFax();
    else this.handlers.onHuman();
  }
}
