import { ConfigError } from '@patter/core';
import { validateCampaign, type CampaignOptions, type ScheduleOptions } from '@patter/fleet';

/** Options of `phone.campaign()`: the fleet's campaign, dialed from the server's number unless `fromNumbers` says otherwise. */
export type CampaignRequest = Omit<CampaignOptions, 'fromNumbers'> & {
  /** Numbers to dial from. Default: the Patter's `phoneNumber`. */
  readonly fromNumbers?: readonly string[];
};

/** Options of `phone.schedule()`: `campaign` starts at each occurrence of `cron` in `timeZone`. */
export type ScheduleRequest = Omit<ScheduleOptions, 'campaign'> & { readonly campaign: Omit<CampaignRequest, 'startAt'> };

/** The fleet's campaign for a request: `fromNumbers` filled, every option checked (ConfigError naming it). */
export function toFleetCampaign(request: Omit<CampaignRequest, 'startAt'> & Pick<CampaignRequest, 'startAt'>, phoneNumber: string): CampaignOptions {
  if (typeof request !== 'object' || request === null) throw new ConfigError('campaign', 'expected an options object');
  const fromNumbers = request.fromNumbers ?? (phoneNumber === '' ? [] : [phoneNumber]);
  const campaign: CampaignOptions = { ...request, fromNumbers };
  validateCampaign(campaign);
  return campaign;
}
