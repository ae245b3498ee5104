/** A table the receptionist booked. */
export interface Booking {
  readonly reference: string;
  readonly name: string;
  readonly people: number;
  readonly day: string;
  readonly time: string;
}

/** The restaurant's book, in memory (a demo: it forgets on restart). */
export class Bookings {
  private readonly items: Booking[] = [];

  add(request: Omit<Booking, 'reference'>): Booking {
    const booking = { reference: `T-${100 + this.items.length + 1}`, ...request };
    this.items.push(booking);
    return booking;
  }

  all(): readonly Booking[] {
    return this.items;
  }
}
