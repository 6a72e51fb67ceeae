// A server's resources and resource templates (MCP resources/list, resources/templates/list,
// resources/read) for the Resources page, on the same pooled session and sign-in as its tools.
// What reaches the page is bounded here, as tool results are (ADR 013).
import { ellipsize } from '#app/mcp/display-bounds.ts'
import { type DisplayResult, toDisplayResult } from '#app/mcp/tool-display.server.ts'
import { type ToolsOutcome, withServerSession } from '#app/mcp/tools.server.ts'
import { templateVariables } from '#app/mcp/uri-template.ts'
import type { ServerSummary } from '#app/models/server.server.ts'

/** Items shown per page of a list; the server's own paging continues with "More". */
const MAX_LISTED = 200
const MAX_URI_CHARS = 2_000
const MAX_NAME_CHARS = 200
const MAX_DESCRIPTION_CHARS = 400

export type ResourceItem = { uri: string; name: string; title: string | null; description: string | null; mimeType: string | null }
export type TemplateItem = { uriTemplate: string; name: string; title: string | null; description: string | null; variables: string[] }
export type ResourceListing = {
  /** False when the server does not offer resources at all. */
  supported: boolean
  resources: ResourceItem[]
  templates: TemplateItem[]
  /** The server's cursor for the next page of resources, when there is one. */
  nextCursor: string | null
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value ? ellipsize(value, max) : null
}

/** One page of resources (from `cursor`) and the templates, bounded by the server's timeout. */
export function listServerResources(userId: string, server: ServerSummary, cursor: string | null): Promise<ToolsOutcome<ResourceListing>> {
  return withServerSession(userId, server, async (client) => {
    if (!client.getServerCapabilities()?.resources) return { supported: false, resources: [], templates: [], nextCursor: null }
    const options = { timeout: server.timeoutMs }
    const [listed, templates] = await Promise.all([
      client.listResources(cursor ? { cursor } : undefined, options),
      // Templates are optional for a server that has resources: a refusal leaves the list empty.
      cursor ? Promise.resolve({ resourceTemplates: [] }) : client.listResourceTemplates(undefined, options).catch(() => ({ resourceTemplates: [] })),
    ])
    return {
      supported: true,
      resources: listed.resources.slice(0, MAX_LISTED).map((resource) => ({
        uri: ellipsize(resource.uri, MAX_URI_CHARS),
        name: ellipsize(resource.name, MAX_NAME_CHARS),
        title: text(resource.title, MAX_NAME_CHARS),
        description: text(resource.description, MAX_DESCRIPTION_CHARS),
        mimeType: text(resource.mimeType, 100),
      })),
      templates: templates.resourceTemplates.slice(0, MAX_LISTED).map((template) => ({
        uriTemplate: ellipsize(template.uriTemplate, MAX_URI_CHARS),
        name: ellipsize(template.name, MAX_NAME_CHARS),
        title: text(template.title, MAX_NAME_CHARS),
        description: text(template.description, MAX_DESCRIPTION_CHARS),
        variables: templateVariables(template.uriTemplate).slice(0, 20),
      })),
      nextCursor: typeof listed.nextCursor === 'string' && listed.nextCursor.length <= MAX_URI_CHARS ? listed.nextCursor : null,
    }
  })
}

/**
 * Reads one resource. Its contents are shown like a tool result's embedded resources: text as
 * text, images and audio as media (blob of an allowlisted type), other binaries described.
 */
export function readServerResource(userId: string, server: ServerSummary, uri: string): Promise<ToolsOutcome<DisplayResult>> {
  return withServerSession(userId, server, async (client) => {
    const read = await client.readResource({ uri }, { timeout: server.timeoutMs })
    const content = read.contents.map((item) => {
      const mimeType = typeof item.mimeType === 'string' ? item.mimeType : undefined
      if ('blob' in item && typeof item.blob === 'string' && mimeType && /^(image|audio)\//.test(mimeType)) {
        return { type: mimeType.startsWith('image/') ? 'image' : 'audio', data: item.blob, mimeType }
      }
      return { type: 'resource', resource: item }
    })
    return toDisplayResult({ content })
  })
}
