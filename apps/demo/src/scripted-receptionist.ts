import type { MessageContext, MessageHandler } from '@patter/core';

const NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'today', 'tomorrow', 'tonight'];

const TIME_PATTERNS = [
  /\bat\s+(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s*(?<half>am|pm)?\b/,
  /\b(?<hour>\d{1,2}):(?<minute>\d{2})\s*(?<half>am|pm)?\b/,
  /\b(?<hour>\d{1,2})\s*(?<half>am|pm)\b/,
];

interface Slots {
  people?: number;
  day?: string;
  time?: string;
  name?: string;
}

/** Reads what the caller has said so far about the booking. */
export function readSlots(utterances: readonly string[]): Slots {
  const slots: Slots = {};
  for (const raw of utterances) {
    const text = raw.toLowerCase();
    const people = /\b(?:for|of|party of)\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\b/.exec(text) ??
      /\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:people|persons|guests|of us)\b/.exec(text);
    if (people?.[1]) slots.people = NUMBERS[people[1]] ?? Number(people[1]);
    const day = DAYS.find((d) => new RegExp(`\\b${d}\\b`).test(text));
    if (day) slots.day = day === 'tonight' ? 'today' : day;
    const time = TIME_PATTERNS.map((pattern) => pattern.exec(text)?.groups).find((groups) => groups !== undefined);
    if (time?.hour) {
      let hour = Number(time.hour);
      if ((time.half === 'pm' || time.half === undefined) && hour >= 1 && hour < 12) hour += 12;
      if (hour >= 12 && hour <= 23) slots.time = `${hour}:${time.minute ?? '00'}`;
    }
    const name = /\b(?:my name is|name is|under the name|under|i am|i'm)\s+([a-z][a-z'-]+)/.exec(text);
    if (name?.[1] && !['a', 'the', 'looking', 'calling'].includes(name[1])) slots.name = name[1][0]!.toUpperCase() + name[1].slice(1);
  }
  return slots;
}

function missing(slots: Slots): string | undefined {
  if (slots.people === undefined) return 'For how many people?';
  if (slots.day === undefined) return 'For which day?';
  if (slots.time === undefined) return 'At what time? We seat from 12:00 to 23:00.';
  if (slots.name === undefined) return 'And the name for the booking?';
  return undefined;
}

/**
 * The demo's receptionist when no LLM key is set: a few rules that fill the booking's slots
 * from what the caller typed, then book through the agent's real `book_table` tool (so the dev
 * phone shows the tool call) and transfer to the manager on request.
 */
export function scriptedReceptionist(managerNumber: string): MessageHandler {
  return async (context: MessageContext): Promise<string> => {
    const text = context.text.toLowerCase();
    if (/\b(manager|human|person|someone)\b/.test(text)) {
      // Announce first: once transferred, the caller no longer hears (or sees) this agent.
      await context.call.say('Let me put you through to the manager.');
      await context.runTool('transfer_call', { number: managerNumber, reason: 'caller asked for the manager' });
      return '';
    }
    if (/\b(hours|open|close)\b/.test(text) && !/\bbook|table|reserv/.test(text)) return 'We are open every day from 12:00 to 23:00.';
    const said = [...context.history.filter((m) => m.role === 'user').map((m) => m.content), context.text];
    const booking = said.some((u) => /\b(book|table|reserv)/i.test(u));
    if (!booking) return 'I can book you a table, or tell you our opening hours. What would you like?';
    const slots = readSlots(said);
    const question = missing(slots);
    if (question) return question;
    const result = (await context.runTool('book_table', slots as Record<string, unknown>)) as { reference: string };
    return `Booked: a table for ${slots.people} on ${slots.day} at ${slots.time}, under ${slots.name}. Your reference is ${result.reference}.`;
  };
}
