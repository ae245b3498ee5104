import { formatReport } from './print-table.js';
import { run } from './call-history.js';

// `node apps/bench/dist/call-history-main.js`: this bench alone (also `main.js call-history`).
console.log(formatReport(await run()));
