import { PatterError } from '@patter/core';

/** Raised by the test kit itself: a fake server timed out waiting, or a conformance check failed. */
export class TestKitError extends PatterError {}
