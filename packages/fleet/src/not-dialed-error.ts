import { PatterError } from '@patter/core';

/**
 * Thrown by a `Dialer` that did not reach the carrier at all (e.g. its server is shutting down):
 * the attempt goes straight back to the queue for another server, with no carrier check.
 */
export class NotDialedError extends PatterError {}
