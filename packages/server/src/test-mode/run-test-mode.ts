import { createInterface } from 'node:readline';
import type {
  AgentOptions,
  CallEndSummary,
  ChatMessage,
  Logger,
} from '@patter/core';
import { createTextSession, maskPhoneNumber } from '@patter/core/plugin';

export interface TestModeOptions {
  readonly agent: AgentOptions;
  /** Per-session variables (merged over the agent's). */
  readonly variables?: Readonly<Record<string, string>>;
  /** Default `process.stdin`. */
  readonly input?: NodeJS.ReadableStream;
  /** Default `process.stdout`. */
  readonly output?: NodeJS.WritableStream;
  readonly logger?: Logger;
}

const HELP = 'Type to talk to the agent. Commands: /history, /transfer <number>, /hangup, /quit';

/**
 * `phone.test({ agent })`: a terminal conversation with the agent — text in, text out, no
 * carrier, STT or TTS — running the same conversation logic as a call (history, tools,
 * `onMessage`, guardrails, `transfer_call` / `end_call`). Tool calls are shown as they happen.
 * Resolves with the call summary when the conversation ends (`/quit`, `/hangup`, the agent
 * hanging up or transferring, or the end of the input).
 */
export async function runTestMode(options: TestModeOptions): Promise<CallEndSummary> {
  const output = options.output ?? process.stdout;
  const print = (line: string): void => {
    output.write(`${line}\n`);
  };
  const session = createTextSession({
    agent: options.agent,
    ...(options.variables ? { variables: options.variables } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    onTransfer: (to) => print(`[transferring to ${to}]`),
    onDtmf: (digits) => print(`[agent pressed ${digits}]`),
  });
  // The agent's words of the current reply, printed as one line — before a tool line, so what the
  // agent said before calling a tool appears before it.
  const said: string[] = [];
  const flushSaid = (): void => {
    if (said.length > 0) print(`agent> ${said.splice(0).join(' ')}`);
  };
  session.on('toolCall', (event) => {
    flushSaid();
    const args = JSON.stringify(event.arguments);
    const outcome = event.error !== undefined ? `error: ${event.error}` : JSON.stringify(event.result ?? null);
    print(`  [tool] ${event.name}(${args}) → ${outcome}`);
  });

  print(HELP);
  if (session.greeting) print(`agent> ${session.greeting}`);

  const lines = createInterface({ input: options.input ?? process.stdin, terminal: false, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      if (session.isEnded) break;
      const line = raw.trim();
      if (line === '') continue;
      if (line.startsWith('/')) {
        if (!(await runCommand(line, session, print))) break;
        continue;
      }
      await reply(session.send(line), said, print);
      flushSaid();
      // The agent hung up or transferred: done, without waiting for another line.
      if (session.isEnded) break;
    }
  } finally {
    lines.close();
  }
  await session.end('caller_hangup');
  const summary = await session.ended;
  flushSaid();
  print(`[call ended: ${summary.reason}]`);
  return summary;
}

async function reply(sentences: AsyncIterable<string>, said: string[], print: (line: string) => void): Promise<void> {
  try {
    for await (const sentence of sentences) said.push(sentence);
  } catch (err) {
    print(`[agent error: ${err instanceof Error ? err.message : String(err)}]`);
  }
}

/** Runs a command; false when the conversation is over. */
async function runCommand(
  line: string,
  session: ReturnType<typeof createTextSession>,
  print: (line: string) => void,
): Promise<boolean> {
  const [command, ...rest] = line.split(/\s+/);
  switch (command) {
    case '/quit':
    case '/exit':
      await session.end('caller_hangup');
      return false;
    case '/hangup':
      await session.end('caller_hangup');
      return false;
    case '/history':
      for (const message of session.history()) print(formatMessage(message));
      return true;
    case '/transfer': {
      const to = rest.join('');
      if (to === '') {
        print('usage: /transfer <number>');
        return true;
      }
      try {
        await session.control.transfer(to);
      } catch (err) {
        print(`[transfer to ${maskPhoneNumber(to)} refused: ${err instanceof Error ? err.message : String(err)}]`);
        return true;
      }
      return !session.isEnded;
    }
    case '/help':
      print(HELP);
      return true;
    default:
      print(`unknown command ${command ?? ''}; ${HELP}`);
      return true;
  }
}

function formatMessage(message: ChatMessage): string {
  switch (message.role) {
    case 'tool':
      return `tool ${message.name}: ${message.content}`;
    case 'assistant': {
      const calls = message.toolCalls?.map((c) => `${c.name}(${c.arguments})`).join(', ');
      return `assistant: ${message.content}${calls ? ` [calls ${calls}]` : ''}`;
    }
    default:
      return `${message.role}: ${message.content}`;
  }
}
