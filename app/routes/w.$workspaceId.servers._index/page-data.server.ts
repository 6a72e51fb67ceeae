// The server list's loader data: the workspace's servers with the signed-in person's status and their tool prefix
// at the workspace's MCP endpoint, in one statement (app/models/server-status.server.ts).
import { listServersWithStatus } from '#app/models/server-status.server.ts'

/** The rows of the server list of `workspaceId` (whose membership the loader has checked) for `userId`. */
export async function serverListRows(workspaceId: string, userId: string) {
  return listServersWithStatus(workspaceId, userId)
}
