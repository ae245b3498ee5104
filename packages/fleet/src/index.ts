export { Fleet, type FleetOptions } from './fleet.js';
export { validateCampaign, type CampaignOptions, type CampaignContact, type RetryPolicy } from './campaign-options.js';
export type { CampaignProgress, CampaignSummary, ContactState } from './campaign-store.js';
export { windowOpen, nextOpening, type CallWindow } from './call-window.js';
export { resolveLimits, type FleetLimits, type ResolvedLimits } from './fleet-limits.js';
export { outcomeOfStatus, type Dialer, type DialRequest, type CarrierCallInfo, type CallOutcome } from './dialer.js';
export { systemClock, type Clock } from './clock.js';
export { NotDialedError } from './not-dialed-error.js';
export { nextOccurrence, type ScheduleOptions } from './campaign-schedule.js';
