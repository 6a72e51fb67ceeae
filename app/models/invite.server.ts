// Invite links: a random token shown once to its creator, stored only as SHA-256, single use and expiring
// (docs/decisions/028-invites-and-account-settings.md).
import { createHash, randomBytes } from 'node:crypto'
import { recordAudit } from '#app/models/audit.server.ts'
import { INVITE_LIFETIMES, type InviteLifetime } from '#app/models/invite-fields.ts'
import { getDb } from '#app/utils/db.server.ts'
import { ROLE_LABELS, type Role, assignableRoles } from '#app/utils/permissions.ts'

/** 32 random bytes, base64url: what the link carries. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

function tokenHashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Why an invite was refused, in words for the person who asked. */
export class InviteError extends Error {
  override name = 'InviteError'
}

/**
 * Creates an invite and returns its token, the only time it exists outside the link. Throws InviteError
 * when the creator's role may not give `role` (an admin cannot invite an owner).
 */
export async function createInvite(input: {
  workspaceId: string
  creator: { id: string; role: Role }
  role: Role
  lifetime: InviteLifetime
}): Promise<{ id: string; token: string; expiresAt: Date }> {
  const { workspaceId, creator, role, lifetime } = input
  if (!assignableRoles(creator.role).includes(role)) throw new InviteError(`You cannot invite someone as ${ROLE_LABELS[role].toLowerCase()}.`)
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Date.now() + INVITE_LIFETIMES[lifetime].ms)
  const invite = await getDb().invite.create({
    data: { workspaceId, tokenHash: tokenHashOf(token), role, createdById: creator.id, expiresAt },
    select: { id: true },
  })
  await recordAudit({
    workspaceId,
    actorId: creator.id,
    event: 'invite.created',
    detail: `Link for a new ${ROLE_LABELS[role].toLowerCase()}, valid ${INVITE_LIFETIMES[lifetime].label}`,
  })
  return { id: invite.id, token, expiresAt }
}

/** The workspace's invites that can still be used, newest first. */
export function listPendingInvites(workspaceId: string) {
  return getDb().invite.findMany({
    where: { workspaceId, usedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, role: true, expiresAt: true, createdAt: true, createdBy: { select: { name: true } } },
    orderBy: [{ createdAt: 'desc' }],
    take: 100,
  })
}

/**
 * Revokes (deletes) a pending invite of this workspace; false when there is none by that id. An admin
 * may not revoke an owner's invite link for an owner role they could not give either.
 */
export async function revokeInvite(workspaceId: string, actor: { id: string; role: Role }, inviteId: string): Promise<boolean> {
  const invite = await getDb().invite.findFirst({ where: { id: inviteId, workspaceId, usedAt: null }, select: { id: true, role: true } })
  if (!invite) return false
  if (!assignableRoles(actor.role).includes(invite.role)) throw new InviteError('Only owners can revoke an invite for an owner.')
  const { count } = await getDb().invite.deleteMany({ where: { id: invite.id, usedAt: null } })
  if (count === 0) return false
  await recordAudit({ workspaceId, actorId: actor.id, event: 'invite.revoked', detail: `Link for a new ${ROLE_LABELS[invite.role].toLowerCase()}` })
  return true
}

export type InviteLookup =
  | { state: 'valid'; inviteId: string; role: Role; workspace: { id: string; name: string }; invitedBy: string | null; expiresAt: Date }
  | { state: 'expired' | 'used' | 'unknown' }

/** What a link's token points at. A revoked invite is gone, so it reads like a mistyped link. */
export async function lookupInvite(token: string): Promise<InviteLookup> {
  if (!TOKEN_PATTERN.test(token)) return { state: 'unknown' }
  const invite = await getDb().invite.findUnique({
    where: { tokenHash: tokenHashOf(token) },
    select: {
      id: true,
      role: true,
      expiresAt: true,
      usedAt: true,
      workspace: { select: { id: true, name: true } },
      createdBy: { select: { name: true } },
    },
  })
  if (!invite) return { state: 'unknown' }
  if (invite.usedAt) return { state: 'used' }
  if (invite.expiresAt <= new Date()) return { state: 'expired' }
  return { state: 'valid', inviteId: invite.id, role: invite.role, workspace: invite.workspace, invitedBy: invite.createdBy?.name ?? null, expiresAt: invite.expiresAt }
}

export type AcceptOutcome =
  | { ok: true; workspaceId: string; workspaceName: string; role: Role }
  | { ok: false; reason: 'expired' | 'used' | 'unknown' | 'already_member'; workspaceId?: string }

/**
 * Uses the invite for `user`: in one transaction the link is marked used (a conditional update, so two
 * people racing for one link cannot both get in) and the membership created. Someone who is already a
 * member keeps their role and leaves the link unused.
 */
export async function acceptInvite(token: string, user: { id: string; name: string; email: string }): Promise<AcceptOutcome> {
  const found = await lookupInvite(token)
  if (found.state !== 'valid') return { ok: false, reason: found.state }
  const outcome = await getDb().$transaction(async (tx): Promise<AcceptOutcome> => {
    const member = await tx.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: found.workspace.id, userId: user.id } },
      select: { role: true },
    })
    if (member) return { ok: false, reason: 'already_member', workspaceId: found.workspace.id }
    const now = new Date()
    const { count } = await tx.invite.updateMany({
      where: { id: found.inviteId, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now, usedById: user.id },
    })
    if (count === 0) return { ok: false, reason: 'used' }
    await tx.membership.create({ data: { workspaceId: found.workspace.id, userId: user.id, role: found.role }, select: { userId: true } })
    await tx.user.update({ where: { id: user.id }, data: { lastWorkspaceId: found.workspace.id }, select: { id: true } })
    return { ok: true, workspaceId: found.workspace.id, workspaceName: found.workspace.name, role: found.role }
  })
  if (outcome.ok) {
    await recordAudit({
      workspaceId: outcome.workspaceId,
      actorId: user.id,
      event: 'invite.accepted',
      detail: `${user.name} (${user.email}) joined as ${ROLE_LABELS[outcome.role].toLowerCase()}`,
    })
  }
  return outcome
}
