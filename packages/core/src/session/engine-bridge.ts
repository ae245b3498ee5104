import { ConfigError } from '../errors/config-error.js';
import type { SessionModeFactory } from './session-mode.js';

/**
 * Engine mode (speech-to-speech): bridges the carrier audio to an `EngineSession`. The engine
 * bridge implements `SessionMode` here; until it lands, an engine agent is refused.
 */
export const createEngineBridge: SessionModeFactory = () => {
  throw new ConfigError('engine', 'engine mode is not available in this build');
};
