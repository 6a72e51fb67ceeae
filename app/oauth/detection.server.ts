// Does a server use OAuth? The probe's question when a server is added or re-tested, answered
// with discovery's own requests (oauth/metadata.server.ts): the same guarded fetch (no
// redirects, bounded size and time), the same URL order and the same checks on what answers,
// so a server the probe calls OAuth is one that Connect's discovery reads the same way.
import { isAcceptableEndpoint, oauthFetch } from '#app/oauth/http.server.ts'
import { fetchAuthorizationServerMetadata, fetchResourceMetadata } from '#app/oauth/metadata.server.ts'

/**
 * The well-known URL where `serverUrl` publishes RFC 9728 protected-resource metadata for
 * itself that names an authorization server; null when none does. Never throws: fails closed
 * (an unreadable or refused document says "not OAuth by metadata").
 */
export async function publishedResourceMetadataUrl(serverUrl: string): Promise<string | null> {
  try {
    const found = await fetchResourceMetadata({ id: null, url: serverUrl }, null, oauthFetch())
    const servers = found?.metadata.authorization_servers ?? []
    return found && servers.length > 0 ? found.foundAt : null
  } catch {
    return null
  }
}

/**
 * Whether the server's origin publishes RFC 8414 (or OpenID) authorization-server metadata:
 * an MCP 2025-03-26 server, whose origin is its authorization server. Never throws: fails closed.
 */
export async function publishesAuthorizationServerMetadata(serverUrl: string): Promise<boolean> {
  const origin = new URL(serverUrl).origin
  if (!isAcceptableEndpoint(origin)) return false
  try {
    return (await fetchAuthorizationServerMetadata(null, origin, oauthFetch())) !== undefined
  } catch {
    return false
  }
}
