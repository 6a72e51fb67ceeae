import type { AgentCaller } from '#app/gateway/caller.ts'

// PLACEHOLDER (issue 13 skeleton): the per-person-and-app limit replaces this file.

/** A 429 with Retry-After when this person's app has used up its calls for now; null otherwise. */
export async function agentRateLimit(_caller: AgentCaller): Promise<Response | null> {
  return null
}
