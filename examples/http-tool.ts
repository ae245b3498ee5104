// A tool that calls an HTTP API: the agent looks up an order's status while on the phone. The
// tool's signal aborts the request when the caller hangs up or barges in.
//   ORDERS_API_URL=https://api.example.com OPENAI_API_KEY=… npx tsx examples/http-tool.ts
import { defineTool, ToolCallError } from '@patter/core';
import * as openai from '@patter/openai';
import { Patter } from '@patter/server';
import { isMain } from './run-main.js';

export function orderStatusTool(apiUrl: string) {
  return defineTool<{ orderId: string }>({
    name: 'order_status',
    description: "Looks up an order's status by its id.",
    parameters: { type: 'object', properties: { orderId: { type: 'string', pattern: '^[A-Z0-9-]{3,20}$' } }, required: ['orderId'] },
    timeoutMs: 5_000,
    handler: async ({ orderId }, { signal }) => {
      const response = await fetch(`${apiUrl}/orders/${encodeURIComponent(orderId)}`, { signal });
      if (response.status === 404) return { found: false };
      if (!response.ok) throw new ToolCallError('order_status', `orders API answered ${response.status}`);
      const order = (await response.json()) as { status: string; eta?: string };
      return { found: true, status: order.status, eta: order.eta };
    },
  });
}

export function createAgent(phone: Patter, env: NodeJS.ProcessEnv = process.env) {
  return phone.agent({
    llm: openai.LLM({ model: 'gpt-4o-mini', ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}) }),
    systemPrompt: 'You are the order line of Acme. Ask for the order id and look it up with order_status.',
    tools: [orderStatusTool(env.ORDERS_API_URL ?? 'http://127.0.0.1:9000')],
  });
}

if (isMain(import.meta.url)) {
  const phone = new Patter();
  await phone.test({ agent: createAgent(phone) });
}
