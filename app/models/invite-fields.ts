// An invite link's choices, shown in the browser and checked on the server.

const DAY_MS = 24 * 60 * 60 * 1000

/** How long a new link works: the choices offered, seven days unless the creator picks another. */
export const INVITE_LIFETIMES = {
  '1d': { label: '1 day', ms: DAY_MS },
  '7d': { label: '7 days', ms: 7 * DAY_MS },
  '30d': { label: '30 days', ms: 30 * DAY_MS },
} as const
export const INVITE_LIFETIME_KEYS = ['1d', '7d', '30d'] as const
export type InviteLifetime = (typeof INVITE_LIFETIME_KEYS)[number]
export const DEFAULT_INVITE_LIFETIME: InviteLifetime = '7d'
