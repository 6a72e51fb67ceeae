import type { ServerStatus } from '#app/models/server-status.ts'

/**
 * A server's one status for the signed-in person (app/models/server-status.ts): the same words on
 * the server page, the server list, the Tools page, the OAuth panel and the Overview.
 */
export function ServerStatusBadge({ status, id }: { status: Pick<ServerStatus, 'label' | 'tone'>; id?: string }) {
  return (
    <span id={id} className={`badge badge-${status.tone}`}>
      {status.label}
    </span>
  )
}
