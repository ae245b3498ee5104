import { defineTool, type AgentOptions, type LocalTool } from '@patter/core';
import type { Bookings } from './bookings.js';

export const RESTAURANT = "Luigi's Trattoria";

export const SYSTEM_PROMPT = `You are the friendly receptionist of ${RESTAURANT}, an Italian restaurant.
Open every day from 12:00 to 23:00. Keep answers short: this is a phone call.
To book a table, collect the guest's name, the number of people, the day and the time, then call book_table
and read back the reference. If the caller asks for the manager, or for anything you cannot handle,
transfer them with transfer_call to {managerNumber}.`;

export const FIRST_MESSAGE = `${RESTAURANT}, good evening! How can I help you?`;

/** `book_table`: the tool every mode books through. */
export function bookTableTool(bookings: Bookings): LocalTool<{ name: string; people: number; day: string; time: string }> {
  return defineTool({
    name: 'book_table',
    description: 'Book a table at the restaurant.',
    parameters: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Name for the booking' },
        people: { type: 'integer', minimum: 1, maximum: 20 },
        day: { type: 'string', description: 'Day of the booking, e.g. "Friday" or "2026-11-27"' },
        time: { type: 'string', description: 'Time, 24h, e.g. "20:00"' },
      },
      required: ['name', 'people', 'day', 'time'],
      additionalProperties: false,
    },
    handler: (args) => {
      const booking = bookings.add(args);
      return { booked: true, reference: booking.reference };
    },
  });
}

/** What every mode shares: prompt, greeting, variables, tools and the transfer allowlist. */
export function restaurantAgent(bookings: Bookings, managerNumber: string): AgentOptions {
  return {
    systemPrompt: SYSTEM_PROMPT,
    firstMessage: FIRST_MESSAGE,
    variables: { managerNumber },
    tools: [bookTableTool(bookings)],
    transferAllowlist: [managerNumber],
  };
}
