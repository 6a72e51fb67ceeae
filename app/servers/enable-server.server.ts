// Enabling or disabling a server.
import type { ServerSummary } from '#app/models/server.server.ts'
import { setServerEnabled } from '#app/models/server-write.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'

/** Enables or disables a server; a disabled server's pooled sessions end. */
export async function enableServer(server: ServerSummary, enabled: boolean, actorId: string): Promise<void> {
  await commitServerChange(server, actorId, {
    endsSessions: !enabled,
    write: () => setServerEnabled(server, enabled),
    audit: () => [{ event: enabled ? 'server.enabled' : 'server.disabled' }],
  })
}
