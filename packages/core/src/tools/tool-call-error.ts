import { PatterError } from '../errors/patter-error.js';

/** A tool run from `onMessage` failed: bad arguments, an unknown tool, a throw or a timeout. */
export class ToolCallError extends PatterError {
  constructor(
    readonly tool: string,
    readonly reason: string,
  ) {
    super(`tool ${tool} failed: ${reason}`);
  }
}
