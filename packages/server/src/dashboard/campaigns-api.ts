import type { CampaignProgress, CampaignSummary } from '@patter/fleet';
import type { ApiAnswer } from './dashboard-api.js';

/** Where the dashboard reads campaigns from (the server's fleet). */
export interface CampaignSource {
  campaigns(limit: number): Promise<readonly CampaignSummary[]>;
  progress(campaignId: string): Promise<CampaignProgress | undefined>;
}

const OFF: ApiAnswer = { status: 404, body: { error: 'campaigns are off: serve({ fleet: true })' } };

/** `GET /dashboard/api/campaigns?limit=50`: the newest campaigns, contacts counted by state. */
export async function listCampaignsApi(source: CampaignSource | undefined, query: URLSearchParams): Promise<ApiAnswer> {
  if (source === undefined) return OFF;
  const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 50) || 50));
  return { status: 200, body: { campaigns: await source.campaigns(limit) } };
}

/** `GET /dashboard/api/campaigns/<id>`: the campaign and each contact's state (queued, dialing, in_call, done, failed). */
export async function getCampaignApi(source: CampaignSource | undefined, campaignId: string): Promise<ApiAnswer> {
  if (source === undefined) return OFF;
  const progress = await source.progress(campaignId);
  return progress ? { status: 200, body: progress } : { status: 404, body: { error: 'no such campaign' } };
}
