import { PatterError } from '../errors/patter-error.js';

/** A transfer target is not in the agent's `transferAllowlist` (or the call already ended). */
export class TransferRefusedError extends PatterError {
  constructor(message: string) {
    super(message);
  }
}
