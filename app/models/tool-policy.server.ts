// The per-tool policy of a workspace's servers (ToolPolicy rows). A tool without a row is enabled
// and runs without confirmation: only departures from that default are stored.
import { getDb } from '#app/utils/db.server.ts'

/** What an admin decided for one tool of one server. */
export type ToolRule = { enabled: boolean; needsConfirmation: boolean }

/** A tool nobody has set a rule for. */
export const DEFAULT_TOOL_RULE: ToolRule = Object.freeze({ enabled: true, needsConfirmation: false })

const ruleSelect = { toolName: true, enabled: true, needsConfirmation: true } as const

/** The stored rules of one server, by tool name. */
export async function listToolRules(serverId: string): Promise<Map<string, ToolRule>> {
  const rows = await getDb().toolPolicy.findMany({ where: { serverId }, select: ruleSelect })
  return new Map(rows.map((row) => [row.toolName, { enabled: row.enabled, needsConfirmation: row.needsConfirmation }]))
}

/** The stored rules of every server of a workspace, by server id, then tool name (one query). */
export async function listWorkspaceToolRules(workspaceId: string): Promise<Map<string, Map<string, ToolRule>>> {
  const rows = await getDb().toolPolicy.findMany({
    where: { server: { workspaceId } },
    select: { serverId: true, ...ruleSelect },
  })
  const byServer = new Map<string, Map<string, ToolRule>>()
  for (const row of rows) {
    const rules = byServer.get(row.serverId) ?? new Map<string, ToolRule>()
    rules.set(row.toolName, { enabled: row.enabled, needsConfirmation: row.needsConfirmation })
    byServer.set(row.serverId, rules)
  }
  return byServer
}

/** The stored rule of one tool (the default when none is stored). */
export async function findToolRule(serverId: string, toolName: string): Promise<ToolRule> {
  const row = await getDb().toolPolicy.findUnique({
    where: { serverId_toolName: { serverId, toolName } },
    select: { enabled: true, needsConfirmation: true },
  })
  return row ?? DEFAULT_TOOL_RULE
}

/**
 * Writes the rules of the tools given (other tools keep theirs) in one transaction: a rule back
 * at the default is deleted, any other is stored with who set it.
 */
export async function saveToolRules(
  serverId: string,
  updatedById: string,
  rules: ReadonlyArray<{ toolName: string } & ToolRule>,
): Promise<void> {
  const db = getDb()
  const defaults = rules.filter((rule) => rule.enabled && !rule.needsConfirmation).map((rule) => rule.toolName)
  const kept = rules.filter((rule) => !rule.enabled || rule.needsConfirmation)
  await db.$transaction([
    // A new version first: every instance reads the rules afresh (tool-policy.server.ts in app/mcp).
    db.mcpServer.update({ where: { id: serverId }, data: { toolPolicyVersion: { increment: 1 } }, select: { id: true } }),
    db.toolPolicy.deleteMany({ where: { serverId, toolName: { in: defaults } } }),
    ...kept.map((rule) =>
      db.toolPolicy.upsert({
        where: { serverId_toolName: { serverId, toolName: rule.toolName } },
        create: { serverId, toolName: rule.toolName, enabled: rule.enabled, needsConfirmation: rule.needsConfirmation, updatedById },
        update: { enabled: rule.enabled, needsConfirmation: rule.needsConfirmation, updatedById },
        select: { toolName: true },
      }),
    ),
  ])
}
