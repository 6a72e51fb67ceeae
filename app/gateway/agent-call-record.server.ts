import type { AfterAnswer } from '#app/gateway/after-answer.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { type RecordedOutcome, recordToolCall } from '#app/models/tool-call-log.server.ts'

/**
 * The audit row of one agent tools/call at either endpoint, from now: a `ToolCall` via 'agent' with the app's
 * client id and name, the outcome and the duration. Agents' arguments are never stored (issue 13 point 4): no
 * history to run again, nothing to leak. With `afterAnswer` (the HTTP face's), the row is written once the answer has
 * been sent; its duration is the call's, measured when it is recorded.
 */
export function agentCallRecorder(
  caller: AgentCaller,
  server: { id: string; name: string; workspaceId: string },
  toolName: string,
  afterAnswer?: AfterAnswer,
) {
  const started = performance.now()
  return async (outcome: RecordedOutcome): Promise<void> => {
    const durationMs = performance.now() - started
    const write = () =>
      recordToolCall({
        server: { id: server.id, name: server.name, workspaceId: server.workspaceId },
        userId: caller.userId,
        toolName,
        outcome,
        durationMs,
        arguments: null,
        via: 'agent',
        agent: { clientId: caller.clientId, clientName: caller.clientName },
      })
    if (afterAnswer) afterAnswer(write)
    else await write()
  }
}
