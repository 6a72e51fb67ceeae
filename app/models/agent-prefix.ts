/**
 * The prefix of a server's tools on the workspace MCP endpoint: `<prefix>_<tool>`. Prefixes use [a-z0-9-] only, so
 * the first `_` of an agent's tool name always splits prefix from tool. An admin may set one (unique per workspace,
 * McpServer.agentPrefix); otherwise it is derived from the server's name, and derived prefixes that collide get
 * `-2`, `-3`, … in the order the servers were added, so a server keeps its prefix when a later one arrives.
 */

/** What an admin may type: 1–24 characters, lower-case letters, digits and inner hyphens. */
export const AGENT_PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/
export const AGENT_PREFIX_MAX_LENGTH = 24

/** The prefix a server's name gives: "Linear (EU)" → "linear-eu"; a name with no letter or digit gives "server". */
export function deriveAgentPrefix(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, AGENT_PREFIX_MAX_LENGTH)
    .replace(/^-+|-+$/g, '')
  return slug || 'server'
}

type PrefixSource = { id: string; name: string; agentPrefix: string | null; createdAt: Date }

/** Every server's effective prefix (server id → prefix), unique within the list given (one workspace's servers). */
export function agentPrefixes(servers: readonly PrefixSource[]): Map<string, string> {
  const taken = new Set(servers.flatMap((server) => (server.agentPrefix ? [server.agentPrefix] : [])))
  const result = new Map<string, string>()
  const ordered = [...servers].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
  for (const server of ordered) {
    if (server.agentPrefix) {
      result.set(server.id, server.agentPrefix)
      continue
    }
    const base = deriveAgentPrefix(server.name)
    let candidate = base
    for (let n = 2; taken.has(candidate); n++) {
      const suffix = `-${n}`
      candidate = `${base.slice(0, AGENT_PREFIX_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`
    }
    taken.add(candidate)
    result.set(server.id, candidate)
  }
  return result
}

/** `<prefix>_<tool>` split at the first `_`; null when the name has no prefix. */
export function splitAgentToolName(name: string): { prefix: string; toolName: string } | null {
  const at = name.indexOf('_')
  if (at <= 0 || at === name.length - 1) return null
  return { prefix: name.slice(0, at), toolName: name.slice(at + 1) }
}
