// A tool's annotations (MCP "Tool annotations": hints, not guarantees) as the badges every place
// that shows a tool uses: the Tools page, the tool page and the tool policy form.
import type { Tool } from '@modelcontextprotocol/client'

export type ToolBadge = { key: 'readOnly' | 'destructive' | 'idempotent' | 'openWorld'; label: string; tone: 'ok' | 'warn' | 'info' }

const BADGES = [
  { hint: 'readOnlyHint', key: 'readOnly', label: 'Read-only', tone: 'ok' },
  { hint: 'destructiveHint', key: 'destructive', label: 'Destructive', tone: 'warn' },
  { hint: 'idempotentHint', key: 'idempotent', label: 'Idempotent', tone: 'info' },
  { hint: 'openWorldHint', key: 'openWorld', label: 'Open world', tone: 'info' },
] as const

/**
 * The badges of the hints a server set to `true`. A hint left out is not guessed from the spec's
 * defaults (destructive and open-world when unset): a badge says what the server said
 * (docs/decisions/027-per-tool-policy.md). A destructive hint on a read-only tool is meaningless
 * (the spec says so) and is not shown.
 */
export function toolBadges(annotations: Tool['annotations']): ToolBadge[] {
  if (!annotations) return []
  const readOnly = annotations.readOnlyHint === true
  return BADGES.filter(({ hint, key }) => annotations[hint] === true && !(readOnly && key === 'destructive')).map(
    ({ key, label, tone }) => ({ key, label, tone }),
  )
}
