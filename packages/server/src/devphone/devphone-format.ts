import { PCM16_16K } from '@patter/core';

/** The dev phone streams PCM16 16 kHz both ways (the browser's AudioContext runs at 16 kHz). */
export const DEVPHONE_FORMAT = PCM16_16K;
