import type { CallRecorder, LiveCallState, LiveChange } from './call-recorder.js';

/** One update of the live view: what changed, and the call's state after it. */
export interface LiveEvent {
  readonly type: LiveChange['type'];
  readonly call: LiveCallState;
}

export type LiveListener = (event: LiveEvent) => void;

/**
 * The calls in progress, for the dashboard's live view. Listeners (open dashboards) get every
 * change; with none, a change costs one Map lookup: the call path pays nothing for the view.
 */
export class LiveCalls {
  private readonly calls = new Map<string, CallRecorder>();
  private readonly listeners = new Set<LiveListener>();

  add(callRef: string, recorder: CallRecorder): void {
    this.calls.set(callRef, recorder);
  }

  remove(callRef: string): void {
    const recorder = this.calls.get(callRef);
    if (!recorder) return;
    this.calls.delete(callRef);
    this.publish(recorder, { type: 'end' });
  }

  publish(recorder: CallRecorder, change: LiveChange): void {
    if (this.listeners.size === 0) return;
    const event: LiveEvent = { type: change.type, call: recorder.live() };
    for (const listener of this.listeners) listener(event);
  }

  snapshot(): LiveCallState[] {
    return [...this.calls.values()].map((recorder) => recorder.live());
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
