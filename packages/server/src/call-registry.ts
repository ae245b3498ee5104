import type { CallOverrides, CallSession, CallTransport, CallDirection, CarrierCallEvent } from '@patter/core';
import type { Agent } from './agent.js';

/** An outbound call placed by `phone.call()` whose media stream has not connected yet. */
export interface PendingCall {
  readonly callRef: string;
  readonly agent: Agent;
  readonly overrides: CallOverrides;
  readonly placedAt: number;
  readonly expiresAt: number;
  callId?: string;
  /** Carrier events that arrived before the stream did (delivered to the session once it exists). */
  readonly early: CarrierCallEvent[];
}

/** A call whose media stream is connected and whose session runs. */
export interface ActiveCall {
  readonly callRef: string;
  readonly direction: CallDirection;
  readonly session: CallSession;
  readonly transport: CallTransport;
  callId?: string;
}

const MAX_EARLY_EVENTS = 16;

/**
 * Every call the server knows about, by call reference: outbound calls waiting for their stream
 * (with the agent and overrides they were placed with) and connected calls (with their session),
 * plus an index by carrier call id so webhooks reach the right session.
 */
export class CallRegistry {
  private readonly pending = new Map<string, PendingCall>();
  private readonly active = new Map<string, ActiveCall>();
  private readonly byCallId = new Map<string, string>();
  /** Call refs whose stream already connected, kept until their token expires, so a token opens one stream. */
  private readonly used = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  get activeCount(): number {
    return this.active.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  addPending(call: PendingCall): void {
    this.pending.set(call.callRef, call);
  }

  setPendingCallId(callRef: string, callId: string): void {
    const call = this.pending.get(callRef);
    if (!call) return;
    call.callId = callId;
    this.byCallId.set(callId, callRef);
  }

  getPending(callRef: string): PendingCall | undefined {
    return this.pending.get(callRef);
  }

  removePending(callRef: string): PendingCall | undefined {
    const call = this.pending.get(callRef);
    if (!call) return undefined;
    this.pending.delete(callRef);
    if (call.callId !== undefined && this.byCallId.get(call.callId) === callRef && !this.active.has(callRef)) {
      this.byCallId.delete(call.callId);
    }
    return call;
  }

  /** Whether a stream for `callRef` may connect now (not connected before while its token lives). */
  claim(callRef: string, tokenExpiresAt: number): boolean {
    const now = this.now();
    for (const [ref, expiresAt] of this.used) if (expiresAt < now) this.used.delete(ref);
    if (this.active.has(callRef) || this.used.has(callRef)) return false;
    this.used.set(callRef, tokenExpiresAt);
    return true;
  }

  addActive(call: ActiveCall): void {
    this.active.set(call.callRef, call);
    if (call.callId !== undefined) this.byCallId.set(call.callId, call.callRef);
  }

  setActiveCallId(callRef: string, callId: string): void {
    const call = this.active.get(callRef);
    if (!call) return;
    call.callId = callId;
    this.byCallId.set(callId, callRef);
  }

  removeActive(callRef: string): void {
    const call = this.active.get(callRef);
    if (!call) return;
    this.active.delete(callRef);
    if (call.callId !== undefined && this.byCallId.get(call.callId) === callRef) this.byCallId.delete(call.callId);
  }

  activeCalls(): readonly ActiveCall[] {
    return [...this.active.values()];
  }

  /** Finds the call an event is about, by its call ref or else its carrier call id. */
  find(event: { readonly callRef?: string; readonly callId: string }): { active?: ActiveCall; pending?: PendingCall } {
    const ref = event.callRef ?? this.byCallId.get(event.callId);
    if (ref === undefined) return {};
    const active = this.active.get(ref);
    if (active) return { active };
    const pending = this.pending.get(ref);
    return pending ? { pending } : {};
  }

  /** Keeps an event for a pending call (bounded: the oldest is dropped). */
  holdEarly(call: PendingCall, event: CarrierCallEvent): void {
    if (call.early.length >= MAX_EARLY_EVENTS) call.early.shift();
    call.early.push(event);
  }

  /** Drops pending calls whose stream never came. Returns them. */
  expirePending(): PendingCall[] {
    const now = this.now();
    const expired: PendingCall[] = [];
    for (const call of this.pending.values()) if (call.expiresAt < now) expired.push(call);
    for (const call of expired) this.removePending(call.callRef);
    return expired;
  }
}
