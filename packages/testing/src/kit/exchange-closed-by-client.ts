/** One exchange a fake accepted: `done` settles when it is over, `closed` says the client closed it first. */
export interface FakeExchange {
  readonly closed: boolean;
  readonly done: Promise<void>;
}

/**
 * Waits for `exchange` to end and throws unless the client closed it (an aborted synthesis must
 * close its request; the fake must not have finished the response). The conformance suites'
 * `lastRequestClosed`: `() => exchangeClosedByClient(fake.hits.at(-1))`.
 */
export async function exchangeClosedByClient(exchange: FakeExchange | undefined): Promise<void> {
  await exchange?.done;
  if (!exchange?.closed) throw new Error('the fake finished the response instead of seeing the client close it');
}
