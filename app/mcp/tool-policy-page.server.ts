// The tool policy page of one server: every tool the server lists now (turned off ones too), its
// badges and rule, and the rules of tools the server no longer lists (kept, so a tool that comes
// back is still off).
import type { ServerSummary } from '#app/models/server.server.ts'
import { listToolRules } from '#app/models/tool-policy.server.ts'
import { ellipsize } from '#app/mcp/display-bounds.ts'
import { toolBadges } from '#app/mcp/tool-annotations.ts'
import { ruleFor } from '#app/mcp/tool-policy.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'

/** How many tools one form holds: a server listing more is cut here (and says so). */
export const MAX_POLICY_TOOLS = 500
const MAX_DESCRIPTION_CHARS = 200
const MAX_TITLE_CHARS = 200

/** The page's data: the tools with their rules, or why the server could not list them. */
export async function openToolPolicyPage(userId: string, server: ServerSummary) {
  const [listing, rules] = await Promise.all([listServerTools(userId, server), listToolRules(server.id)])
  if (!listing.ok) return { tools: [], more: 0, failure: listing.failure, unlisted: [...rules.keys()].sort() }
  const listed = new Set(listing.value.map((tool) => tool.name))
  const tools = listing.value.slice(0, MAX_POLICY_TOOLS).map((tool) => ({
    name: tool.name,
    title: clip(tool.title ?? tool.annotations?.title, MAX_TITLE_CHARS),
    description: clip(tool.description, MAX_DESCRIPTION_CHARS),
    badges: toolBadges(tool.annotations),
    ...ruleFor(rules, tool.name),
  }))
  return {
    tools,
    more: Math.max(0, listing.value.length - MAX_POLICY_TOOLS),
    failure: null,
    unlisted: [...rules.keys()].filter((name) => !listed.has(name)).sort(),
  }
}

function clip(text: string | undefined, max: number): string | null {
  return text ? ellipsize(text, max) : null
}
