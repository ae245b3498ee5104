import { ConfigError, type LLMProvider } from '@patter/core';
import { CallStore, type OpenCallStoreOptions } from '@patter/store';
import type { PostCallOptions } from './post-call-delivery.js';
import type { AnalysisOptions } from './post-call-analysis.js';

/** `store` serve option as an object: where the history lives, and for how long. */
export interface StoreServeOptions extends OpenCallStoreOptions {
  /** Delete calls older than this many days. Default: keep everything. */
  readonly retentionDays?: number;
}

/** `dashboard` serve option as an object. */
export interface DashboardServeOptions {
  /**
   * Required to open the dashboard beyond this machine, and in production everywhere. Default
   * `PATTER_DASHBOARD_SECRET`. At least 16 characters.
   */
  readonly secret?: string;
}

export interface ResolvedHistoryOptions {
  readonly store: CallStore | OpenCallStoreOptions;
  readonly retentionDays: number | undefined;
  readonly dashboard: false | { readonly secret: string | undefined; readonly loopbackOpen: boolean };
  readonly postCall: PostCallOptions | undefined;
  readonly analysis: { readonly options: AnalysisOptions; readonly llm: LLMProvider } | undefined;
}

/**
 * Resolves `store`, `dashboard` and `postCall`. The store is on by default in development
 * (`NODE_ENV` unset or `development`: PGlite in `.patter/db`, or `DATABASE_URL`), off otherwise
 * unless asked for. The dashboard follows the store; it is open to this machine only in
 * development and needs its secret anywhere else — in production it is never open without one.
 */
export function resolveHistoryOptions(options: {
  readonly store?: boolean | StoreServeOptions | CallStore;
  readonly dashboard?: boolean | DashboardServeOptions;
  readonly postCall?: PostCallOptions;
  readonly analysis?: AnalysisOptions;
  /** The served agent's LLM: the analysis' default model. */
  readonly agentLlm?: LLMProvider | undefined;
}): ResolvedHistoryOptions | undefined {
  const env = process.env.NODE_ENV;
  const development = env === undefined || env === '' || env === 'development';
  const store = options.store ?? development;
  if (store !== true && store !== false && (typeof store !== 'object' || store === null)) {
    throw new ConfigError('store', 'expected true, false, { url } / { dataDir }, or a CallStore from @patter/store');
  }
  if (options.postCall !== undefined) checkPostCall(options.postCall);
  if (store === false) {
    if (options.postCall) throw new ConfigError('postCall', 'post-call webhooks are delivered from the store: turn the store on');
    if (options.dashboard) throw new ConfigError('dashboard', 'the dashboard shows the store: turn the store on');
    if (options.analysis) throw new ConfigError('analysis', 'the analysis is stored with the call: turn the store on');
    return undefined;
  }
  let retentionDays: number | undefined;
  let storeOptions: CallStore | OpenCallStoreOptions = {};
  if (store instanceof CallStore) storeOptions = store;
  else if (typeof store === 'object') {
    const { retentionDays: days, ...rest } = store;
    if (days !== undefined && !(typeof days === 'number' && days > 0)) throw new ConfigError('store.retentionDays', 'expected a number of days > 0');
    retentionDays = days;
    storeOptions = rest;
  }
  return {
    store: storeOptions,
    retentionDays,
    dashboard: resolveDashboard(options.dashboard, env),
    postCall: options.postCall,
    analysis: resolveAnalysis(options.analysis, options.agentLlm),
  };
}

function resolveAnalysis(option: AnalysisOptions | undefined, agentLlm: LLMProvider | undefined): ResolvedHistoryOptions['analysis'] {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null) throw new ConfigError('analysis', 'expected { prompt, schema }');
  if (typeof option.prompt !== 'string' || option.prompt.trim() === '') throw new ConfigError('analysis.prompt', 'expected the instructions, a string');
  if (typeof option.schema !== 'object' || option.schema === null) throw new ConfigError('analysis.schema', 'expected a JSON schema or a zod schema');
  const llm = option.llm ?? agentLlm;
  if (llm === undefined || typeof llm.chat !== 'function') {
    throw new ConfigError('analysis.llm', 'the served agent has no llm (engine mode or onMessage): pass analysis.llm');
  }
  return { options: option, llm };
}

function resolveDashboard(option: boolean | DashboardServeOptions | undefined, env: string | undefined): ResolvedHistoryOptions['dashboard'] {
  if (option === false) return false;
  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null)) {
    throw new ConfigError('dashboard', 'expected a boolean or { secret }');
  }
  const secret = (typeof option === 'object' ? option.secret : undefined) ?? (process.env.PATTER_DASHBOARD_SECRET || undefined);
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) {
    throw new ConfigError('dashboard.secret', 'expected a string of at least 16 characters');
  }
  const production = env === 'production';
  if (production && secret === undefined) {
    if (option === undefined) return false;
    throw new ConfigError('dashboard.secret', 'in production the dashboard needs a secret (or PATTER_DASHBOARD_SECRET)');
  }
  return { secret, loopbackOpen: !production };
}

function checkPostCall(option: PostCallOptions): void {
  if (typeof option !== 'object' || option === null) throw new ConfigError('postCall', 'expected { url, secret }');
  try {
    const url = new URL(option.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new ConfigError('postCall.url', 'expected an http(s) URL');
  }
  if (typeof option.secret !== 'string' || option.secret.length < 16) throw new ConfigError('postCall.secret', 'expected a string of at least 16 characters');
}
