// "Did you mean …/mcp?": an address that answers, but not as MCP (a 404 at `/`), is often the
// server's origin without its MCP path. The common paths are tried with the same probe (so through
// the guarded fetch, with the form's headers and timeout); the first that answers as MCP is offered.
import type { McpEndpoint } from '#app/mcp/transport/client.server.ts'
import { type ProbeResult, probeMcpServer } from '#app/mcp/probe.server.ts'

/** The paths MCP servers are usually served at: Streamable HTTP first, then the legacy HTTP+SSE one. */
const COMMON_PATHS = ['mcp', 'sse'] as const

/** Probe outcomes that mean "an MCP server answered here" (whether or not it wants credentials). */
const ANSWERED_AS_MCP = new Set<ProbeResult['outcome']>(['open', 'oauth', 'headers_required', 'credentials_required', 'forbidden'])

/** The addresses to try for `url`: each common path under the given path, then under the origin; never `url` itself. */
export function candidateEndpoints(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const path = parsed.pathname.replace(/\/+$/, '')
  // An address that already ends in a common path is not missing it.
  if (COMMON_PATHS.some((name) => path.endsWith(`/${name}`))) return []
  const bases = [...new Set([`${parsed.origin}${path}`, parsed.origin])]
  const candidates = bases.flatMap((base) => COMMON_PATHS.map((name) => `${base}/${name}`))
  return [...new Set(candidates)].filter((candidate) => candidate !== url)
}

/**
 * For an endpoint whose probe said `not_mcp`: the first common MCP address on the same server that
 * answers as MCP, or null. Tries at most four addresses, one after another (a server that answers
 * 404 at once costs little; the guarded fetch's time limits bound the rest).
 */
export async function suggestEndpoint(endpoint: McpEndpoint, probe: Pick<ProbeResult, 'outcome'>): Promise<string | null> {
  if (probe.outcome !== 'not_mcp') return null
  for (const candidate of candidateEndpoints(endpoint.url)) {
    const found = await probeMcpServer({ ...endpoint, url: candidate })
    if (ANSWERED_AS_MCP.has(found.outcome)) return candidate
    // The outbound rules refuse the host: no other path on it will be allowed either.
    if (found.outcome === 'blocked') return null
  }
  return null
}
