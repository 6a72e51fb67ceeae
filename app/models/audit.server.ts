import type { AuditOutcome } from '#app/generated/prisma-sqlite/enums.ts'
import { getDb } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/** The events Switchboard records, with the words the audit page shows. */
export const AUDIT_EVENT_LABELS = {
  'server.created': 'Server added',
  'server.updated': 'Server settings changed',
  'server.deleted': 'Server deleted',
  'server.enabled': 'Server enabled',
  'server.disabled': 'Server disabled',
  'server.tested': 'Connection tested',
  'server.header_set': 'Header saved',
  'server.header_removed': 'Header removed',
  'server.agent_access_changed': 'Agent access changed',
  'tools.policy_changed': 'Tool policy changed',
  'member.added': 'Member added',
  'member.role_changed': 'Role changed',
  'member.removed': 'Member removed',
  'member.left': 'Member left',
  'workspace.renamed': 'Workspace renamed',
  'invite.created': 'Invite link created',
  'invite.revoked': 'Invite link revoked',
  'invite.accepted': 'Invite accepted',
  'member.account_deleted': 'Member deleted their account',
  'oauth.connect_started': 'OAuth sign-in started',
  'oauth.connected': 'OAuth connected',
  'oauth.connect_failed': 'OAuth sign-in failed',
  'oauth.refresh_failed': 'OAuth token refresh failed',
  'oauth.reauth_needed': 'OAuth sign-in needed again',
  'oauth.step_up': 'More OAuth scopes requested',
  'oauth.scope_refused': 'OAuth scope refused although granted',
  'oauth.issuer_changed': 'OAuth sign-in moved to another authorization server',
  'oauth.disconnected': 'OAuth disconnected',
  'oauth.client_changed': 'OAuth client changed',
  'oauth.scopes_changed': 'OAuth scopes changed',
  'oauth.shared_changed': 'OAuth sharing changed',
  'oauth.exception_toggled': 'OAuth rule exception changed',
  'agent.app_revoked': 'Connected app revoked',
  'oauth.legacy_issuer': 'OAuth issuer differs from the server’s origin',
  'agent.app_allowed': 'App allowed to use the MCP endpoint',
} as const satisfies Record<string, string>

export type AuditEventName = keyof typeof AUDIT_EVENT_LABELS

const labels: Readonly<Record<string, string>> = AUDIT_EVENT_LABELS

/** The words for a stored event name (events from newer versions show their name). */
export function auditLabel(event: string): string {
  return Object.hasOwn(labels, event) ? (labels[event] ?? event) : event
}

export type AuditInput = {
  workspaceId: string
  actorId: string | null
  event: AuditEventName
  outcome?: AuditOutcome
  server?: { id: string; name: string } | null
  /** Words for people; never a secret value. */
  detail?: string | null
  /** OAuth events: the authorization server and the scopes concerned. */
  issuer?: string | null
  scopes?: string | null
}

/**
 * Records an audit event. Fails open on purpose: a lost audit line is logged, but it never
 * turns a change the person already made into an error page.
 */
export async function recordAudit(input: AuditInput): Promise<void> {
  try {
    await getDb().auditEvent.create({
      data: {
        workspaceId: input.workspaceId,
        actorId: input.actorId,
        event: input.event,
        outcome: input.outcome ?? 'success',
        serverId: input.server?.id ?? null,
        serverName: input.server?.name ?? null,
        detail: input.detail?.slice(0, 500) ?? null,
        issuer: input.issuer?.slice(0, 500) ?? null,
        scopes: input.scopes?.slice(0, 500) ?? null,
      },
      select: { id: true },
    })
  } catch (error) {
    logger.error({ err: error, event: input.event, workspaceId: input.workspaceId }, 'could not record an audit event')
  }
}
