/**
 * Which MCP endpoint a request is for: the workspace's aggregated endpoint `/mcp/<workspace>`, or one server passed
 * through at `/mcp/<workspace>/<server>`. The endpoint URL is also the OAuth resource (RFC 8707) a token is bound to.
 */
export type EndpointTarget = { workspaceId: string; serverId: string | null }

const ENDPOINT_PATH = /^\/mcp\/([^/]+)(?:\/([^/]+))?\/?$/
const PRM_PREFIX = '/.well-known/oauth-protected-resource'

/** The endpoint named by a request path, or null. Ids are opaque: any other character than [A-Za-z0-9_-] is not ours. */
export function parseEndpointPath(pathname: string): EndpointTarget | null {
  const match = ENDPOINT_PATH.exec(pathname)
  const workspaceId = match?.[1]
  const serverId = match?.[2]
  if (workspaceId === undefined || !isId(workspaceId) || (serverId !== undefined && !isId(serverId))) return null
  return { workspaceId, serverId: serverId ?? null }
}

/** The endpoint whose protected-resource metadata a path asks for (`/.well-known/oauth-protected-resource/mcp/…`). */
export function parseResourceMetadataPath(pathname: string): EndpointTarget | null {
  return pathname.startsWith(`${PRM_PREFIX}/`) ? parseEndpointPath(pathname.slice(PRM_PREFIX.length)) : null
}

/** `/mcp/<workspace>[/<server>]`. */
export function endpointPath(target: EndpointTarget): string {
  return `/mcp/${target.workspaceId}${target.serverId ? `/${target.serverId}` : ''}`
}

/** The endpoint's absolute URL, which is also its OAuth resource identifier. */
export function endpointUrl(publicUrl: string, target: EndpointTarget): string {
  return new URL(endpointPath(target), publicUrl).href
}

/** Where the endpoint's protected-resource metadata lives (RFC 9728 §3.1: the well-known path before the resource's path). */
export function resourceMetadataUrl(publicUrl: string, target: EndpointTarget): string {
  return new URL(`${PRM_PREFIX}${endpointPath(target)}`, publicUrl).href
}

function isId(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(value)
}
