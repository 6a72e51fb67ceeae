// An owner or admin changes which tools of a server the workspace may use and which need a
// confirmation: the write and its audit line, through commitServerChange like every server change.
import type { ServerSummary } from '#app/models/server.server.ts'
import { type ToolRule, listToolRules, saveToolRules } from '#app/models/tool-policy.server.ts'
import { ruleFor } from '#app/mcp/tool-policy.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'

/** The submitted form: the tools it showed, and among them those ticked "On" and "Confirm". */
export type ToolPolicyChange = { tools: string[]; enabled: string[]; confirm: string[] }

/** How many tool names an audit line spells out per kind of change before "and N more". */
const AUDIT_NAMES_SHOWN = 10

/**
 * Saves the rules of the tools the form showed (others keep theirs). Returns how many tools
 * changed; nothing is written or audited when none did.
 */
export async function saveToolPolicy(server: ServerSummary, actorId: string, change: ToolPolicyChange): Promise<{ changed: number }> {
  const stored = await listToolRules(server.id)
  const enabled = new Set(change.enabled)
  const confirm = new Set(change.confirm)
  const rules = [...new Set(change.tools)].map((toolName) => ({ toolName, enabled: enabled.has(toolName), needsConfirmation: confirm.has(toolName) }))
  const changed = rules.filter((rule) => !sameRule(rule, ruleFor(stored, rule.toolName)))
  if (changed.length === 0) return { changed: 0 }
  await commitServerChange(server, actorId, {
    write: () => saveToolRules(server.id, actorId, changed),
    audit: () => [{ event: 'tools.policy_changed', detail: describeChanges(changed, stored) }],
  })
  return { changed: changed.length }
}

function sameRule(a: ToolRule, b: ToolRule): boolean {
  return a.enabled === b.enabled && a.needsConfirmation === b.needsConfirmation
}

/** "Turned off: a, b. Turned on: c. Confirmation asked: d. No confirmation: e." */
function describeChanges(changed: ReadonlyArray<{ toolName: string } & ToolRule>, stored: ReadonlyMap<string, ToolRule>): string {
  const groups: Array<[string, string[]]> = [
    ['Turned off', []],
    ['Turned on', []],
    ['Confirmation asked', []],
    ['No confirmation', []],
  ]
  for (const rule of changed) {
    const before = ruleFor(stored, rule.toolName)
    if (before.enabled !== rule.enabled) groups[rule.enabled ? 1 : 0]?.[1].push(rule.toolName)
    if (before.needsConfirmation !== rule.needsConfirmation) groups[rule.needsConfirmation ? 2 : 3]?.[1].push(rule.toolName)
  }
  return groups
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => {
      const shown = names.slice(0, AUDIT_NAMES_SHOWN).join(', ')
      return `${label}: ${shown}${names.length > AUDIT_NAMES_SHOWN ? ` and ${names.length - AUDIT_NAMES_SHOWN} more` : ''}.`
    })
    .join(' ')
}
