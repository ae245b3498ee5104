export { Fleet, type FleetOptions } from './fleet.js';
export { validateCampaign, type CampaignOptions, type CampaignContact, type RetryPolicy } from './campaign-options.js';
export { CampaignStore, type CampaignProgress, type CampaignSummary, type ContactState } from './campaign-store.js';
export { windowOpen, nextOpening, type CallWindow } from './call-window.js';
export { resolveLimits, type FleetLimits, type ResolvedLimits } from './fleet-limits.js';
export { outcomeOfStatus, type Dialer, type DialRequest, type CarrierCallInfo, type CallOutcome } from './dialer.js';
export { systemClock, type Clock } from './clock.js';
export { pgBossDb, type PgBossDb } from './pg-boss-db.js';
export { nextOccurrence, type ScheduleOptions } from './campaign-schedule.js';
