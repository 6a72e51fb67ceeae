/** The upstream's result as ours: its result type and cache hints belong to its wire, not to ours. */
export function ownResult<T extends Record<string, unknown>>(result: T): T {
  const own = { ...result }
  for (const key of WIRE_ONLY_RESULT_FIELDS) delete own[key]
  return own
}

/** Fields of a result that describe the upstream's wire (2026-07-28), not what it answered. */
const WIRE_ONLY_RESULT_FIELDS = ['resultType', 'ttlMs', 'cacheScope'] as const
