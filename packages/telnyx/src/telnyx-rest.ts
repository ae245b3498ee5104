import { randomUUID } from 'node:crypto';
import { ProviderStatusError } from '@patter/core';
import { httpRequest, joinUrl } from '@patter/core/plugin';

export interface TelnyxRestOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/** Call Control v2 over JSON: dial, and `POST /calls/{id}/actions/{action}` commands. */
export class TelnyxRest {
  constructor(private readonly options: TelnyxRestOptions) {}

  /** `POST /calls` → the new call's `call_control_id`. */
  async dial(body: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const answer = (await this.post('/calls', { ...body, command_id: randomUUID() }, signal)) as { data?: { call_control_id?: unknown } };
    const id = answer.data?.call_control_id;
    if (typeof id !== 'string') throw new ProviderStatusError('telnyx', 502, 'dial answered without a call_control_id');
    return id;
  }

  /** A call command (`answer`, `hangup`, `transfer`, `record_start` …), idempotent through `command_id`. */
  async command(callControlId: string, action: string, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<void> {
    await this.post(`/calls/${encodeURIComponent(callControlId)}/actions/${action}`, { ...body, command_id: randomUUID() }, signal);
  }

  private async post(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const response = await httpRequest(joinUrl(this.options.baseUrl, path), {
      provider: 'telnyx',
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
      body,
      timeoutMs: this.options.timeoutMs,
      apiKeyEnv: 'TELNYX_API_KEY',
      ...(signal === undefined ? {} : { signal }),
    });
    return response.body.json().catch(() => ({}));
  }
}

/** Telnyx error codes in a failed request's body (`{"errors":[{"code":"90018"}]}`). */
export function telnyxErrorCodes(error: unknown): string[] {
  if (!(error instanceof ProviderStatusError) || typeof error.body !== 'string') return [];
  try {
    const errors = (JSON.parse(error.body) as { errors?: { code?: unknown }[] }).errors ?? [];
    return errors.map((e) => String(e.code ?? ''));
  } catch {
    return [];
  }
}
