import type { AgentOptions, Logger } from '@patter/core';
import type { ServeOptions } from '../serve-options.js';
import { CallHistory } from './call-history.js';
import { DashboardHandler } from './dashboard-handler.js';
import { resolveHistoryOptions } from './history-options.js';

/**
 * The call history and the dashboard for `serve()`, from its `store`, `dashboard` and `postCall`
 * options (ConfigError naming the option when one is wrong); nothing when the store is off.
 * Nothing is opened here: `history.start()` opens the store in the background once listening.
 */
export function mountHistory(options: ServeOptions, logger: Logger): { history?: CallHistory; dashboard?: DashboardHandler } {
  const resolved = resolveHistoryOptions({ ...options, agentLlm: (options.agent as AgentOptions).llm });
  if (!resolved) return {};
  const history = new CallHistory({
    store: resolved.store,
    logger,
    ...(resolved.postCall !== undefined && { postCall: resolved.postCall }),
    ...(resolved.retentionDays !== undefined && { retentionDays: resolved.retentionDays }),
    ...(resolved.analysis !== undefined && { analysis: resolved.analysis }),
  });
  if (!resolved.dashboard) return { history };
  return { history, dashboard: new DashboardHandler(history, resolved.dashboard, logger.child({ component: 'dashboard' })) };
}
