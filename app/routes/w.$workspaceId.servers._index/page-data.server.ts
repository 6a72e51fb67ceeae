// The server list's loader data: the workspace's servers with the signed-in person's status, in
// one statement (app/models/server-status.server.ts), and whether each is offered to agents (a second,
// small one: app/models/agent-access.server.ts).
import { listAgentAccess } from '#app/models/agent-access.server.ts'
import { listServersWithStatus } from '#app/models/server-status.server.ts'

/** The rows of the server list of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function serverListRows(workspaceId: string, userId: string) {
  const [rows, agentAccess] = await Promise.all([listServersWithStatus(workspaceId, userId), listAgentAccess(workspaceId)])
  const byId = new Map(agentAccess.map((access) => [access.id, access]))
  return rows.map((row) => {
    const access = byId.get(row.id)
    return { ...row, agentPrefix: access?.available ? access.effectivePrefix : null }
  })
}
