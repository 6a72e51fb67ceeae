// The Tools page's rows of one server: the tools the workspace's policy shows, those matching the
// search, each bounded for the page (a preview of the description, badges, a schema problem).
import type { Tool } from '@modelcontextprotocol/client'
import type { ToolRule } from '#app/models/tool-policy.server.ts'
import { toolBadges } from '#app/mcp/tool-annotations.ts'
import { inputSchemaBoundsProblem } from '#app/mcp/tool-input/bounds.server.ts'
import { applyToolRules } from '#app/mcp/tool-policy.server.ts'

/** Longest description shown in the Tools page's list; the tool page shows it whole. */
const DESCRIPTION_PREVIEW_CHARS = 240
/** Longest search the page takes; the rest of a longer one is ignored. */
const MAX_TOOL_QUERY_CHARS = 200

/** The words of a search, lower-cased (none for a blank one). */
export function queryWords(query: string | null): string[] {
  return (query ?? '').slice(0, MAX_TOOL_QUERY_CHARS).toLowerCase().split(/\s+/).filter(Boolean)
}

/** Whether every word of the search occurs in the tool's name, title or whole description. */
export function matchesToolQuery(tool: Tool, words: readonly string[]): boolean {
  if (words.length === 0) return true
  const haystack = [tool.name, tool.title, tool.annotations?.title, tool.description].filter(Boolean).join('\n').toLowerCase()
  return words.every((word) => haystack.includes(word))
}

/** The rows of one server's tools for the Tools page. */
export function toolRows(rules: ReadonlyMap<string, ToolRule> | undefined, tools: readonly Tool[], query: string | null) {
  const words = queryWords(query)
  return applyToolRules(rules, tools)
    .filter((tool) => matchesToolQuery(tool, words))
    .map((tool) => ({
      name: tool.name,
      title: tool.title ?? tool.annotations?.title ?? null,
      description: preview(tool.description),
      badges: toolBadges(tool.annotations),
      needsConfirmation: tool.needsConfirmation,
      // A bounded walk of the schema: a hostile one (nested thousands deep) is named here, not walked further.
      schemaProblem: inputSchemaBoundsProblem(tool.inputSchema),
    }))
}

function preview(text: string | undefined): string | null {
  if (!text) return null
  return text.length > DESCRIPTION_PREVIEW_CHARS ? `${text.slice(0, DESCRIPTION_PREVIEW_CHARS)}…` : text
}
