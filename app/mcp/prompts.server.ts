// A server's prompts (MCP prompts/list, prompts/get) for the Prompts page, on the same pooled
// session and sign-in as its tools. Messages are bounded for display as tool results are (ADR 013).
import { ellipsize } from '#app/mcp/display-bounds.ts'
import { type DisplayResult, toDisplayResult } from '#app/mcp/tool-display.server.ts'
import { type ToolsOutcome, withServerSession } from '#app/mcp/tools.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'

const MAX_LISTED = 200
const MAX_ARGUMENTS = 30
const MAX_MESSAGES = 50
const MAX_NAME_CHARS = 200
const MAX_DESCRIPTION_CHARS = 2_000

export type PromptArgument = { name: string; description: string | null; required: boolean }
export type PromptItem = { name: string; title: string | null; description: string | null; arguments: PromptArgument[] }
export type PromptListing = { supported: boolean; prompts: PromptItem[]; nextCursor: string | null }
export type PromptMessages = { description: string | null; messages: Array<{ role: string; content: DisplayResult }>; hiddenMessages: number }

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value ? ellipsize(value, max) : null
}

/** One page of prompts (from `cursor`), bounded by the server's timeout. */
export function listServerPrompts(userId: string, server: ServerSummary, cursor: string | null): Promise<ToolsOutcome<PromptListing>> {
  return withServerSession(userId, server, async (client) => {
    if (!client.getServerCapabilities()?.prompts) return { supported: false, prompts: [], nextCursor: null }
    const listed = await client.listPrompts(cursor ? { cursor } : undefined, { timeout: server.timeoutMs })
    return {
      supported: true,
      prompts: listed.prompts.slice(0, MAX_LISTED).map((prompt) => ({
        name: prompt.name,
        title: text(prompt.title, MAX_NAME_CHARS),
        description: text(prompt.description, MAX_DESCRIPTION_CHARS),
        arguments: (prompt.arguments ?? []).slice(0, MAX_ARGUMENTS).map((argument) => ({
          name: argument.name,
          description: text(argument.description, MAX_DESCRIPTION_CHARS),
          required: argument.required === true,
        })),
      })),
      nextCursor: typeof listed.nextCursor === 'string' && listed.nextCursor.length <= 2_000 ? listed.nextCursor : null,
    }
  })
}

/** The prompt `name` of the listing (null when the server does not list it). */
export async function findServerPrompt(userId: string, server: ServerSummary, name: string): Promise<ToolsOutcome<PromptItem | null>> {
  // Prompts are looked up page by page, as the server pages them, up to a bound.
  let cursor: string | null = null
  for (let page = 0; page < 10; page++) {
    const listed: ToolsOutcome<PromptListing> = await listServerPrompts(userId, server, cursor)
    if (!listed.ok) return listed
    const found = listed.value.prompts.find((prompt) => prompt.name === name)
    if (found || !listed.value.nextCursor) return { ok: true, value: found ?? null }
    cursor = listed.value.nextCursor
  }
  return { ok: true, value: null }
}

/** The prompt's messages for these arguments, each message's content bounded for display. */
export function getServerPrompt(userId: string, server: ServerSummary, name: string, args: Record<string, string>): Promise<ToolsOutcome<PromptMessages>> {
  return withServerSession(userId, server, async (client) => {
    const result = await client.getPrompt({ name, arguments: args }, { timeout: server.timeoutMs })
    return {
      description: text(result.description, MAX_DESCRIPTION_CHARS),
      messages: result.messages.slice(0, MAX_MESSAGES).map((message) => ({ role: message.role, content: toDisplayResult({ content: [message.content] }) })),
      hiddenMessages: Math.max(0, result.messages.length - MAX_MESSAGES),
    }
  })
}
