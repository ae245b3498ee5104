import { PatterError } from '@patter/core';

/**
 * Start failed because the carrier could not be pointed at this server (`autoConfigure`). The
 * message names the carrier, the number and the cause (never a credential); `cause` is the
 * carrier's error (`ConfigError` for an unknown number, `ProviderAuthError` for bad credentials…).
 */
export class AutoConfigureError extends PatterError {}
