import type { Client } from '@modelcontextprotocol/client'
import type { ServerSummary } from '#app/models/server.server.ts'
import { recordProtocolVersion } from '#app/models/server-probe.server.ts'

/** Sessions whose revision was already compared with the stored one: once per session, not per call. */
const noted = new WeakSet<Client>()

/**
 * `fn`, run after noting the revision the session agreed when it is not the one the server's
 * probe remembers, so the server page and the next session start from the right one.
 */
export function withRevisionNoted<T>(server: ServerSummary, fn: (client: Client) => Promise<T>) {
  return async (client: Client): Promise<T> => {
    if (!noted.has(client)) {
      noted.add(client)
      const agreed = client.getNegotiatedProtocolVersion()
      if (agreed && agreed !== server.probeProtocolVersion) await recordProtocolVersion(server.id, agreed)
    }
    return fn(client)
  }
}
