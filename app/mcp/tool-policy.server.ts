// The per-tool policy as one rule every caller asks: the Tools page and the tool page now, the
// workspace's MCP endpoint later (issue 13). An admin's "off" hides a tool from every listing
// and refuses every call of it, whoever asks and however they ask (docs/decisions/027-per-tool-policy.md).
import { type ToolRule, DEFAULT_TOOL_RULE, findToolRule, listToolRules } from '#app/models/tool-policy.server.ts'
import { CONFIRM_RUN_FIELD, CONFIRM_RUN_MISSING } from '#app/mcp/tool-confirmation.ts'

export type { ToolRule }

/** The rule of `toolName` among a server's stored rules (the default when none is stored). */
export function ruleFor(rules: ReadonlyMap<string, ToolRule> | undefined, toolName: string): ToolRule {
  return rules?.get(toolName) ?? DEFAULT_TOOL_RULE
}

/** The sentence a refused call of a tool an admin turned off gets. */
export function toolTurnedOffSentence(server: { name: string }, toolName: string): string {
  return `An owner or admin of this workspace has turned off the tool “${toolName}” of ${server.name}, so it cannot be run.`
}

export type ToolPermission = { ok: true; needsConfirmation: boolean } | { ok: false; message: string }

/**
 * May `userId` call `toolName` of `server`? Refused when an admin turned the tool off; otherwise
 * says whether the person must confirm the call first. (The rule is the workspace's, the same for
 * every member today; the person is asked for so that a per-person rule changes no caller.)
 */
export async function mayCallTool(
  _userId: string,
  server: { id: string; name: string; toolPolicyVersion?: number },
  toolName: string,
): Promise<ToolPermission> {
  const rule = server.toolPolicyVersion === undefined ? await findToolRule(server.id, toolName) : ruleFor(await rulesAtVersion(server.id, server.toolPolicyVersion), toolName)
  if (!rule.enabled) return { ok: false, message: toolTurnedOffSentence(server, toolName) }
  return { ok: true, needsConfirmation: rule.needsConfirmation }
}

/** Servers whose rules an instance keeps at once; the least recently read go first. */
const MAX_CACHED_SERVERS = 1_000
const cachedRules = new Map<string, { version: number; rules: Promise<Map<string, ToolRule>> }>()

/**
 * A server's rules for the policy version the caller read with the server's row: read once per
 * version and instance, so a tool call costs no query. A change bumps the version in the same
 * transaction (models/tool-policy.server.ts), so no instance applies rules older than the row it
 * was given — the same guarantee as reading them, without the read.
 */
function rulesAtVersion(serverId: string, version: number): Promise<Map<string, ToolRule>> {
  const cached = cachedRules.get(serverId)
  if (cached && cached.version === version) {
    cachedRules.delete(serverId)
    cachedRules.set(serverId, cached)
    return cached.rules
  }
  const rules = listToolRules(serverId)
  cachedRules.set(serverId, { version, rules })
  // A failed read is not kept: the next call reads again.
  rules.catch(() => cachedRules.get(serverId)?.rules === rules && cachedRules.delete(serverId))
  if (cachedRules.size > MAX_CACHED_SERVERS) cachedRules.delete(cachedRules.keys().next().value ?? '')
  return rules
}

/**
 * The tools of `server` that `userId` is shown: those an admin turned off are left out, the rest
 * keep their order and carry whether a call needs confirming.
 */
export async function listedTools<T extends { name: string }>(
  _userId: string,
  server: { id: string },
  tools: readonly T[],
): Promise<Array<T & { needsConfirmation: boolean }>> {
  return applyToolRules(await listToolRules(server.id), tools)
}

/** `listedTools` with rules already read (the Tools page reads a whole workspace's at once). */
export function applyToolRules<T extends { name: string }>(
  rules: ReadonlyMap<string, ToolRule> | undefined,
  tools: readonly T[],
): Array<T & { needsConfirmation: boolean }> {
  return tools.flatMap((tool) => {
    const rule = ruleFor(rules, tool.name)
    return rule.enabled ? [{ ...tool, needsConfirmation: rule.needsConfirmation }] : []
  })
}

/**
 * For a page or form of one tool: throws a 403 with the sentence when the tool is turned off;
 * otherwise returns whether a call needs confirming.
 */
export async function requireToolAllowed(userId: string, server: { id: string; name: string }, toolName: string): Promise<boolean> {
  const permission = await mayCallTool(userId, server, toolName)
  if (!permission.ok) throw new Response(permission.message, { status: 403 })
  return permission.needsConfirmation
}

/** A form error when a call needs confirming and the form's checkbox was not ticked; null otherwise. */
export function confirmationMissing(needsConfirmation: boolean, formData: FormData) {
  if (!needsConfirmation || formData.get(CONFIRM_RUN_FIELD) === 'on') return null
  return { fieldErrors: {}, formErrors: [CONFIRM_RUN_MISSING] }
}
