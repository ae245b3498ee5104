import type { LocalTool } from './tool.js';

/** Names of the tools every agent gets (a user tool with the same name replaces one). */
export const TRANSFER_CALL = 'transfer_call';
export const END_CALL = 'end_call';

/**
 * `transfer_call`: hands the caller to a number. The call control checks the agent's
 * `transferAllowlist`; a refusal comes back to the model as the tool's error.
 */
export const transferCallTool: LocalTool<{ number: string; reason?: string }> = {
  name: TRANSFER_CALL,
  description:
    'Transfer the caller to another phone number (E.164, e.g. +15551234567) or SIP URI. ' +
    'Tell the caller you are transferring them before calling this.',
  parameters: {
    type: 'object',
    properties: {
      number: { type: 'string', minLength: 3, description: 'E.164 number or SIP URI to transfer to' },
      reason: { type: 'string', description: 'Why the caller is transferred' },
    },
    required: ['number'],
    additionalProperties: false,
  },
  timeoutMs: 30_000,
  handler: async ({ number }, { call }) => {
    await call.transfer(number);
    return { transferred: true, to: number };
  },
};

/**
 * `end_call`: hangs up once what the agent already said (its goodbye) has finished playing.
 */
export const endCallTool: LocalTool<{ reason?: string }> = {
  name: END_CALL,
  description: 'End the call. Say goodbye first; the call ends after your goodbye has been played.',
  parameters: {
    type: 'object',
    properties: { reason: { type: 'string', description: 'Why the call ends' } },
    additionalProperties: false,
  },
  timeoutMs: 60_000,
  handler: async (_args, { call }) => {
    await call.hangup({ reason: 'agent_hangup' });
    return { ended: true };
  },
};

/** The built-in tools injected into every agent, engine and pipeline alike. */
export const BUILTIN_TOOLS: readonly LocalTool<any>[] = [transferCallTool, endCallTool];
