import type { AgentCaller } from '#app/gateway/caller.ts'
import { jsonRpcError } from '#app/gateway/responses.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { type ThrottleRule, countThrottledEvent, describeWait } from '#app/utils/throttle.server.ts'

/**
 * Requests one person's app may make at the MCP endpoints: AGENT_REQUESTS_PER_MINUTE, 600 a minute by default (ten a
 * second on average), far more than an agent working for a person needs, and it stops a runaway loop from hammering
 * the person's upstream servers. Counted in the database (the Throttle table), so it holds across instances.
 */
export function agentRequestRule(): ThrottleRule {
  return { limit: getEnv().AGENT_REQUESTS_PER_MINUTE, windowMs: 60 * 1000 }
}

/** The throttle key of one person's app (the same app used by two people counts twice, once each). */
export function agentRateLimitKey(caller: Pick<AgentCaller, 'userId' | 'clientId'>): string {
  return `agent:${caller.userId}:${caller.clientId}`
}

/**
 * Counts this request of the person's app; a 429 with Retry-After when the app has used up its calls for now, null
 * otherwise. One statement per request (countThrottledEvent): this runs before every MCP message.
 */
export async function agentRateLimit(caller: AgentCaller): Promise<Response | null> {
  const retryAfterMs = await countThrottledEvent(agentRateLimitKey(caller), agentRequestRule())
  if (retryAfterMs > 0) {
    const message = `${caller.clientName} has made too many requests to Switchboard. Wait ${describeWait(retryAfterMs)}, then try again.`
    return jsonRpcError(429, -32000, message, { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) })
  }
  return null
}
