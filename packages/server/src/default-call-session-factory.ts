import { ConfigError, type CallSession, type CallSessionOptions } from '@patter/core';

/** The session factory used when `new Patter()` gets none. */
export function defaultCallSessionFactory(_options: CallSessionOptions): CallSession {
  throw new ConfigError('createSession', '@patter/core does not provide createCallSession yet: pass createSession');
}
