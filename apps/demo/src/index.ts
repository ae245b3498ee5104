// `@patter/demo`: the demo's receptionist as a workspace dependency, for the apps that drive it
// (apps/e2e-browser calls it from a real browser). `main.ts` is the runnable demo; nothing here starts anything.
export { Bookings, type Booking } from './bookings.js';
export { buildAgent } from './build-agent.js';
export { restaurantAgent, bookTableTool, RESTAURANT, SYSTEM_PROMPT, FIRST_MESSAGE } from './restaurant-agent.js';
export { chooseMode, type DemoMode } from './choose-mode.js';
