import { type EndpointTarget, endpointUrl, parseEndpointPath } from '#app/gateway/target.ts'
import { getDb } from '#app/utils/db.server.ts'

/** An MCP endpoint that exists, as a resource (RFC 8707) tokens can be issued for. */
export type AgentResource = {
  target: EndpointTarget
  /** The endpoint URL: the resource indicator and the token's audience. */
  url: string
  workspaceName: string
  /** The server's name for a per-server endpoint; null for the workspace's aggregated one. */
  serverName: string | null
}

/** The target an endpoint URL names when it is exactly one of Switchboard's (`PUBLIC_URL/mcp/<ws>[/<srv>]`). */
export function parseResourceUrl(resource: string, publicUrl: string): EndpointTarget | null {
  if (!URL.canParse(resource)) return null
  const url = new URL(resource)
  if (url.origin !== new URL(publicUrl).origin) return null
  const target = parseEndpointPath(url.pathname)
  // Exact equality with the canonical form: no query, fragment, trailing slash or other spelling.
  return target && endpointUrl(publicUrl, target) === resource ? target : null
}

/** The endpoint `target` names, when its workspace (and server) exist; null otherwise. */
export async function findEndpoint(target: EndpointTarget, publicUrl: string): Promise<AgentResource | null> {
  const db = getDb()
  const workspace = await db.workspace.findUnique({ where: { id: target.workspaceId }, select: { name: true } })
  if (!workspace) return null
  let serverName: string | null = null
  if (target.serverId) {
    const server = await db.mcpServer.findFirst({
      where: { id: target.serverId, workspaceId: target.workspaceId },
      select: { name: true },
    })
    if (!server) return null
    serverName = server.name
  }
  return { target, url: endpointUrl(publicUrl, target), workspaceName: workspace.name, serverName }
}

/** The endpoint a resource indicator names, when it is one of Switchboard's and exists; null otherwise. */
export async function findResource(resource: string, publicUrl: string): Promise<AgentResource | null> {
  const target = parseResourceUrl(resource, publicUrl)
  return target ? findEndpoint(target, publicUrl) : null
}
