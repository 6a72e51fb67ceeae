/** Workspace roles, most powerful first. Shared by server checks and the UI. */
export const ROLES = ['owner', 'admin', 'member'] as const
export type Role = (typeof ROLES)[number]

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' }

/** Owners and admins manage members (and, later, the workspace's servers). */
export function canManageWorkspace(role: Role): boolean {
  return role === 'owner' || role === 'admin'
}

/** Roles `actor` may give to someone: owners any, admins admin or member, members none. */
export function assignableRoles(actor: Role): Role[] {
  if (actor === 'owner') return ['owner', 'admin', 'member']
  if (actor === 'admin') return ['admin', 'member']
  return []
}

/** Whether `actor` may change or remove a member who has `target` role (admins cannot touch owners). */
export function canManageMember(actor: Role, target: Role): boolean {
  return assignableRoles(actor).includes(target)
}
