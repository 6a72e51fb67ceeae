// How often one stopped tool call, or one person without a stopped call, goes back to the
// authorization server for more access, and what they read once that is used up
// (docs/decisions/015-tokens-step-up-and-moves.md). Connect counts the rounds; the tools use
// case (app/mcp/tools.server.ts) says the same sentence when a resumed call stops again.
import { STEP_UPS_WITHOUT_CALL } from '#app/utils/throttle.server.ts'

/** Why Switchboard stopped asking for one stopped call: the server, the tool and what it asked for. */
export function keepsRefusingSentence(server: { name: string }, toolName: string, rounds: number, requestedScopes: string): string {
  const asked = requestedScopes.trim() ? ` It asked for: ${requestedScopes.trim().split(/\s+/).join(', ')}.` : ''
  return `${server.name} keeps refusing the tool “${toolName}” after ${rounds} sign-ins for this call, so Switchboard stopped asking.${asked} Ask an admin of ${server.name} to check which access it grants you.`
}

/**
 * The sentence for a step-up that no stopped call counts, once the person made the limit of
 * them (STEP_UPS_WITHOUT_CALL) for this server within its window: the server keeps
 * refusing, what Switchboard asked for, and when it will ask again.
 */
export function keepsRefusingStepUps(server: { name: string }, toolName: string | null, scopes: string, retryAfter: string): string {
  const what = toolName ? `the tool “${toolName}”` : 'its tools'
  const asked = scopes.trim() ? ` Switchboard asked for: ${scopes.trim().split(/\s+/).join(', ')}.` : ''
  return `${server.name} keeps refusing ${what} after ${STEP_UPS_WITHOUT_CALL.limit} requests for more access within an hour, so Switchboard stopped asking.${asked} Ask an admin of ${server.name} to check which access it grants you, or try again in ${retryAfter}.`
}
