import { createTextSession } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { Bookings } from './bookings.js';
import { readSlots, scriptedReceptionist } from './scripted-receptionist.js';
import { restaurantAgent } from './restaurant-agent.js';

async function reply(iterable: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const sentence of iterable) parts.push(sentence);
  return parts.join(' ');
}

describe('scripted receptionist', () => {
  it('reads people, day, time and name from what the caller says', () => {
    expect(readSlots(['A table for two on Friday at 8, my name is Ann'])).toEqual({ people: 2, day: 'friday', time: '20:00', name: 'Ann' });
    expect(readSlots(['4 people tomorrow', 'at 7:30 pm', "I'm bob"])).toEqual({ people: 4, day: 'tomorrow', time: '19:30', name: 'Bob' });
  });

  it('asks for what is missing, then books through the book_table tool', async () => {
    const bookings = new Bookings();
    const tools: string[] = [];
    const session = createTextSession({ agent: { ...restaurantAgent(bookings, '+15550100199'), onMessage: scriptedReceptionist('+15550100199') } });
    session.on('toolCall', (call) => tools.push(call.name));
    expect(await reply(session.send('I would like to book a table for two'))).toBe('For which day?');
    expect(await reply(session.send('Friday at 8'))).toBe('And the name for the booking?');
    expect(await reply(session.send('My name is Ann'))).toBe('Booked: a table for 2 on friday at 20:00, under Ann. Your reference is T-101.');
    expect(bookings.all()).toEqual([{ reference: 'T-101', people: 2, day: 'friday', time: '20:00', name: 'Ann' }]);
    expect(tools).toEqual(['book_table']);
    await session.end();
  });

  it('transfers to the manager through transfer_call', async () => {
    const transfers: string[] = [];
    const session = createTextSession({
      agent: { ...restaurantAgent(new Bookings(), '+15550100199'), onMessage: scriptedReceptionist('+15550100199') },
      onTransfer: (to) => transfers.push(to),
    });
    expect(await reply(session.send('Can I talk to the manager?'))).toBe('Let me put you through to the manager.');
    expect(transfers).toEqual(['+15550100199']);
  });
});
