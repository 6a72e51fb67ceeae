import { z } from 'zod'
import { type Clipped, boundedJson, clipText, ellipsize, formatBytes } from '#app/mcp/display-bounds.ts'

/*
 * Turns the raw CallToolResult a remote server sent (untrusted: see @modelcontextprotocol/client
 * types.ts for the shapes) into the bounded "display result" the tool page renders. It runs on
 * the server, before anything goes into loader or action data: only what the page shows ever
 * reaches the browser. Text is cut with a note of its length, JSON is cut and depth-checked,
 * media the page will not show (too large, a type we do not display, binary resources) are
 * replaced by a description, and every block spends from one budget for the whole result.
 * See docs/decisions/013-tool-results-bounded-on-the-server.md.
 */

export type { Clipped } from '#app/mcp/display-bounds.ts'

export const MAX_TEXT_CHARS = 100_000
const MAX_JSON_CHARS = 100_000
/** Base64 characters, about 3 MB decoded, for one image or audio clip. */
export const MAX_MEDIA_BASE64_CHARS = 4_000_000
/** Everything shown for one result together (text, JSON, media), so many big blocks cannot make a huge page. */
export const MAX_TOTAL_CHARS = 5_000_000
const MAX_BLOCKS = 100
const MAX_URI_CHARS = 8_192
const MAX_SHORT_CHARS = 200
const MAX_DESCRIPTION_CHARS = 2_000
const MAX_PREVIEW_CHARS = 10_000

const ALLOWED_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
/** A bare audio media type: no parameters, nothing that could end the data: URL's header early. */
const AUDIO_TYPE_PATTERN = /^audio\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/

const ToolResultSchema = z.object({
  content: z.array(z.unknown()).optional(),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
})

const TextContentSchema = z.object({ type: z.literal('text'), text: z.string() })
const ImageContentSchema = z.object({ type: z.literal('image'), data: z.string(), mimeType: z.string() })
const AudioContentSchema = z.object({ type: z.literal('audio'), data: z.string(), mimeType: z.string() })
const ResourceLinkSchema = z.object({
  type: z.literal('resource_link'),
  uri: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
})
const EmbeddedResourceSchema = z.object({
  type: z.literal('resource'),
  resource: z.union([
    z.object({ uri: z.string(), mimeType: z.string().optional(), text: z.string() }),
    z.object({ uri: z.string(), mimeType: z.string().optional(), blob: z.string() }),
  ]),
})

export type DisplayBlock =
  | { kind: 'text'; text: Clipped }
  | { kind: 'image'; mimeType: string; bytes: number; src?: string; problem?: string }
  | { kind: 'audio'; mimeType: string; bytes: number; src?: string; problem?: string }
  | { kind: 'resource-text'; uri: string; mimeType?: string; text: Clipped }
  | { kind: 'resource-blob'; uri: string; mimeType?: string; bytes: number }
  | { kind: 'resource-link'; label: string; name: string; uri: string; href?: string; description?: string; mimeType?: string }
  | { kind: 'unknown'; type: string; json: Clipped }
  | { kind: 'malformed'; type: string; problem: string; json: Clipped }
  | { kind: 'omitted'; type: string }

/** What the tool page renders for one result: plain, bounded, serialisable. */
export type DisplayResult =
  | { ok: true; isError: boolean; blocks: DisplayBlock[]; hiddenBlocks: number; structured?: Clipped }
  | { ok: false; problems: string[]; preview: Clipped }

/**
 * Parses and bounds a CallToolResult-like value for display. Never throws: a result of the wrong
 * shape comes back as `{ ok: false }` with the reasons and a short, depth-checked preview.
 */
export function toDisplayResult(result: unknown): DisplayResult {
  const parsed = ToolResultSchema.safeParse(result)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 10).map((issue) => {
        const where = issue.path.slice(0, 10).map(String).join('.')
        return ellipsize(`${where ? `${where}: ` : ''}${issue.message}`, MAX_SHORT_CHARS)
      }),
      preview: boundedJson(result, MAX_PREVIEW_CHARS),
    }
  }
  const budget = { remaining: MAX_TOTAL_CHARS }
  const content = parsed.data.content ?? []
  const blocks = content.slice(0, MAX_BLOCKS).map((block) => readBlock(block, budget))
  const structured =
    parsed.data.structuredContent === undefined ? undefined : spend(budget, boundedJson(parsed.data.structuredContent, MAX_JSON_CHARS))
  return {
    ok: true,
    isError: parsed.data.isError === true,
    blocks,
    hiddenBlocks: Math.max(0, content.length - MAX_BLOCKS),
    structured,
  }
}

type Budget = { remaining: number }

function spend(budget: Budget, clipped: Clipped): Clipped {
  if (clipped.text.length <= budget.remaining) {
    budget.remaining -= clipped.text.length
    return clipped
  }
  const text = clipped.text.slice(0, Math.max(0, budget.remaining))
  budget.remaining = 0
  return { text, totalChars: clipped.totalChars ?? clipped.text.length }
}

function readBlock(block: unknown, budget: Budget): DisplayBlock {
  const type = isRecord(block) && typeof block.type === 'string' ? ellipsize(block.type, 60) : '(no type)'
  if (budget.remaining <= 0) return { kind: 'omitted', type }
  const malformed = (error: z.ZodError): DisplayBlock => ({
    kind: 'malformed',
    type,
    problem: ellipsize(
      error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.slice(0, 10).map(String).join('.') || type}: ${issue.message}`)
        .join('; '),
      MAX_SHORT_CHARS,
    ),
    json: spend(budget, boundedJson(block, 2_000)),
  })
  switch (isRecord(block) ? block.type : undefined) {
    case 'text': {
      const parsed = TextContentSchema.safeParse(block)
      if (!parsed.success) return malformed(parsed.error)
      return { kind: 'text', text: spend(budget, clipText(parsed.data.text, MAX_TEXT_CHARS)) }
    }
    case 'image':
    case 'audio': {
      const parsed = (type === 'image' ? ImageContentSchema : AudioContentSchema).safeParse(block)
      if (!parsed.success) return malformed(parsed.error)
      return readMedia(parsed.data.type, parsed.data.mimeType, parsed.data.data, budget)
    }
    case 'resource': {
      const parsed = EmbeddedResourceSchema.safeParse(block)
      if (!parsed.success) return malformed(parsed.error)
      const { resource } = parsed.data
      const uri = ellipsize(resource.uri, MAX_URI_CHARS)
      const mimeType = resource.mimeType === undefined ? undefined : ellipsize(resource.mimeType, 100)
      if ('text' in resource) return { kind: 'resource-text', uri, mimeType, text: spend(budget, clipText(resource.text, MAX_TEXT_CHARS)) }
      // Binary resources are never shown: only their size goes to the page.
      return { kind: 'resource-blob', uri, mimeType, bytes: base64Bytes(resource.blob.replace(/\s+/g, '')) }
    }
    case 'resource_link': {
      const parsed = ResourceLinkSchema.safeParse(block)
      if (!parsed.success) return malformed(parsed.error)
      const { name, title, description, uri, mimeType } = parsed.data
      return {
        kind: 'resource-link',
        label: ellipsize(title?.trim() || name, MAX_SHORT_CHARS),
        name: ellipsize(name, MAX_SHORT_CHARS),
        uri: ellipsize(uri, MAX_URI_CHARS),
        href: safeHref(uri),
        description: description === undefined ? undefined : ellipsize(description, MAX_DESCRIPTION_CHARS),
        mimeType: mimeType === undefined ? undefined : ellipsize(mimeType, 100),
      }
    }
    default:
      return { kind: 'unknown', type, json: spend(budget, boundedJson(block, MAX_JSON_CHARS)) }
  }
}

function readMedia(kind: 'image' | 'audio', rawMimeType: string, rawData: string, budget: Budget): DisplayBlock {
  // Parameters ("; codecs=…") are dropped; only the bare, lower-cased type is ever put in a URL.
  const mimeType = (rawMimeType.split(';')[0] ?? '').trim().toLowerCase()
  const shownType = ellipsize(rawMimeType, 100)
  const data = rawData.replace(/\s+/g, '')
  const bytes = base64Bytes(data)
  const what = kind === 'image' ? 'image' : 'audio clip'
  const allowed = kind === 'image' ? ALLOWED_IMAGE_TYPES.has(mimeType) : AUDIO_TYPE_PATTERN.test(mimeType)
  if (!allowed) return { kind, mimeType: shownType, bytes, problem: `${kind === 'image' ? 'Image' : 'Audio'} of type “${shownType}” not displayed.` }
  if (!BASE64_PATTERN.test(data)) return { kind, mimeType, bytes, problem: `The ${kind} data is not valid base64, so it is not displayed.` }
  if (data.length > MAX_MEDIA_BASE64_CHARS || data.length > budget.remaining) {
    return { kind, mimeType, bytes, problem: `Not shown: the ${what} is too large to display here (${formatBytes(bytes)}).` }
  }
  budget.remaining -= data.length
  return { kind, mimeType, bytes, src: `data:${mimeType};base64,${data}` }
}

/** Only http and https URIs become links: never javascript:, data:, file: or anything else. */
function safeHref(uri: string): string | undefined {
  if (uri.length > MAX_URI_CHARS) return undefined
  try {
    // The URL parser strips tabs and newlines ("java\tscript:") before we look at the scheme.
    const url = new URL(uri)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding)
}
