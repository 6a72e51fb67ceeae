import { z } from 'zod'

/*
 * Shows an MCP CallToolResult. The result comes from a remote server we do not trust, so it is
 * parsed with zod first (see @modelcontextprotocol/sdk types.ts for the shapes), every size is
 * capped, media are shown only as data: URLs of an allowlisted type, and links only for http(s).
 *
 * CSP: images need `img-src data:` (already set); audio needs `media-src 'self' data:`.
 */

export const MAX_TEXT_CHARS = 100_000
const MAX_JSON_CHARS = 100_000
/** Base64 characters, about 3 MB decoded, for one image or audio clip. */
const MAX_MEDIA_BASE64_CHARS = 4_000_000
/** Everything shown for one result together, so a hundred big blocks cannot make a 100 MB page. */
const MAX_TOTAL_CHARS = 8_000_000
const MAX_BLOCKS = 100
const MAX_URI_CHARS = 8_192
const MAX_SHORT_CHARS = 200
const MAX_DESCRIPTION_CHARS = 2_000

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

type Clipped = { text: string; totalChars?: number }

export type ResultBlock =
  | { kind: 'text'; text: Clipped }
  | { kind: 'image'; mimeType: string; bytes: number; src?: string; problem?: string }
  | { kind: 'audio'; mimeType: string; bytes: number; src?: string; problem?: string }
  | { kind: 'resource-text'; uri: string; mimeType?: string; text: Clipped }
  | { kind: 'resource-blob'; uri: string; mimeType?: string; bytes: number }
  | { kind: 'resource-link'; label: string; name: string; uri: string; href?: string; description?: string; mimeType?: string }
  | { kind: 'unknown'; type: string; json: Clipped }
  | { kind: 'malformed'; type: string; problem: string; json: Clipped }
  | { kind: 'omitted'; type: string }

export type ReadToolResult =
  | { ok: true; isError: boolean; blocks: ResultBlock[]; hiddenBlocks: number; structured?: Clipped }
  | { ok: false; problems: string[]; preview: Clipped }

/**
 * Parses and caps a CallToolResult-like value for display. Never throws: a result of the wrong
 * shape comes back as `{ ok: false }` with the reasons. Pure, so a route may also run it on the
 * server to trim what goes into the page.
 */
export function readToolResult(result: unknown): ReadToolResult {
  const parsed = ToolResultSchema.safeParse(result)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 10).map((issue) => {
        const where = issue.path.map(String).join('.')
        return clip(`${where ? `${where}: ` : ''}${issue.message}`, MAX_SHORT_CHARS)
      }),
      preview: clipText(toJson(result), 10_000),
    }
  }
  const budget = { remaining: MAX_TOTAL_CHARS }
  const content = parsed.data.content ?? []
  const blocks = content.slice(0, MAX_BLOCKS).map((block) => readBlock(block, budget))
  const structured = parsed.data.structuredContent === undefined ? undefined : spend(budget, clipText(toJson(parsed.data.structuredContent), MAX_JSON_CHARS))
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

function readBlock(block: unknown, budget: Budget): ResultBlock {
  const type = isRecord(block) && typeof block.type === 'string' ? clip(block.type, 60) : '(no type)'
  if (budget.remaining <= 0) return { kind: 'omitted', type }
  const malformed = (error: z.ZodError): ResultBlock => ({
    kind: 'malformed',
    type,
    problem: clip(error.issues.map((issue) => `${issue.path.map(String).join('.') || type}: ${issue.message}`).join('; '), MAX_SHORT_CHARS),
    json: spend(budget, clipText(toJson(block), 2_000)),
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
      const uri = clip(resource.uri, MAX_URI_CHARS)
      const mimeType = resource.mimeType === undefined ? undefined : clip(resource.mimeType, 100)
      if ('text' in resource) return { kind: 'resource-text', uri, mimeType, text: spend(budget, clipText(resource.text, MAX_TEXT_CHARS)) }
      return { kind: 'resource-blob', uri, mimeType, bytes: base64Bytes(resource.blob.replace(/\s+/g, '')) }
    }
    case 'resource_link': {
      const parsed = ResourceLinkSchema.safeParse(block)
      if (!parsed.success) return malformed(parsed.error)
      const { name, title, description, uri, mimeType } = parsed.data
      return {
        kind: 'resource-link',
        label: clip(title?.trim() || name, MAX_SHORT_CHARS),
        name: clip(name, MAX_SHORT_CHARS),
        uri: clip(uri, MAX_URI_CHARS),
        href: safeHref(uri),
        description: description === undefined ? undefined : clip(description, MAX_DESCRIPTION_CHARS),
        mimeType: mimeType === undefined ? undefined : clip(mimeType, 100),
      }
    }
    default:
      return { kind: 'unknown', type, json: spend(budget, clipText(toJson(block), MAX_JSON_CHARS)) }
  }
}

function readMedia(kind: 'image' | 'audio', rawMimeType: string, rawData: string, budget: Budget): ResultBlock {
  // Parameters ("; codecs=…") are dropped; only the bare, lower-cased type is ever put in a URL.
  const mimeType = (rawMimeType.split(';')[0] ?? '').trim().toLowerCase()
  const shownType = clip(rawMimeType, 100)
  const data = rawData.replace(/\s+/g, '')
  const bytes = base64Bytes(data)
  const allowed = kind === 'image' ? ALLOWED_IMAGE_TYPES.has(mimeType) : AUDIO_TYPE_PATTERN.test(mimeType)
  if (!allowed) return { kind, mimeType: shownType, bytes, problem: `${kind === 'image' ? 'Image' : 'Audio'} of type “${shownType}” not displayed.` }
  if (!BASE64_PATTERN.test(data)) return { kind, mimeType, bytes, problem: `The ${kind} data is not valid base64, so it is not displayed.` }
  if (data.length > MAX_MEDIA_BASE64_CHARS || data.length > budget.remaining) {
    return { kind, mimeType, bytes, problem: `The ${kind} is too large to display here (${formatBytes(bytes)}).` }
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

/**
 * The result of a tool call: content blocks, structured content, the error flag and the duration.
 * It has no heading of its own: the route puts it in its "Result" section (sub-headings are h3).
 */
export function ToolResult({ result, durationMs }: { result: unknown; durationMs?: number }) {
  const read = readToolResult(result)
  const duration =
    typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0
      ? `Took ${new Intl.NumberFormat('en-US').format(Math.round(durationMs))} ms`
      : null
  return (
    <div className="tool-result">
      {duration ? <p className="muted tool-result-duration">{duration}</p> : null}
      {read.ok ? <ReadableResult read={read} /> : <UnreadableResult problems={read.problems} preview={read.preview} />}
    </div>
  )
}

function ReadableResult({ read }: { read: Extract<ReadToolResult, { ok: true }> }) {
  const blocks = (
    <>
      {read.blocks.map((block, index) => (
        <Block key={index} block={block} />
      ))}
      {read.hiddenBlocks > 0 ? (
        <p className="tool-result-note">
          {read.hiddenBlocks} more content {read.hiddenBlocks === 1 ? 'block' : 'blocks'} not shown.
        </p>
      ) : null}
      {read.blocks.length === 0 && !read.structured ? <p className="muted">The tool returned no content.</p> : null}
    </>
  )
  return (
    <>
      {read.isError ? (
        <div className="tool-result-error" role="alert">
          <p className="tool-result-error-title">
            <strong>The tool reported an error.</strong>
          </p>
          {blocks}
        </div>
      ) : (
        blocks
      )}
      {read.structured ? (
        <div className="tool-result-structured">
          <h3>Structured content</h3>
          <pre className="tool-result-json">{read.structured.text}</pre>
          <TruncationNote clipped={read.structured} />
        </div>
      ) : null}
    </>
  )
}

function UnreadableResult({ problems, preview }: { problems: string[]; preview: Clipped }) {
  return (
    <div className="tool-result-error" role="alert">
      <p className="tool-result-error-title">
        <strong>The server returned a result Switchboard cannot read.</strong>
      </p>
      <ul className="tool-result-problems">
        {problems.map((problem, index) => (
          <li key={index}>{problem}</li>
        ))}
      </ul>
      <details>
        <summary>What the server sent</summary>
        <pre className="tool-result-json">{preview.text}</pre>
        <TruncationNote clipped={preview} />
      </details>
    </div>
  )
}

function Block({ block }: { block: ResultBlock }) {
  switch (block.kind) {
    case 'text':
      return (
        <div className="tool-result-block">
          <pre className="tool-result-text">{block.text.text}</pre>
          <TruncationNote clipped={block.text} />
        </div>
      )
    case 'image':
      return (
        <figure className="tool-result-block tool-result-media">
          {block.src ? (
            <img src={block.src} alt={`Image returned by the tool (${block.mimeType}, ${formatBytes(block.bytes)})`} />
          ) : (
            <p className="tool-result-note">{block.problem}</p>
          )}
          <figcaption className="muted">
            Image, {block.mimeType}, {formatBytes(block.bytes)}
          </figcaption>
        </figure>
      )
    case 'audio':
      return (
        <figure className="tool-result-block tool-result-media">
          {block.src ? (
            <audio controls preload="metadata" src={block.src} aria-label={`Audio returned by the tool (${block.mimeType})`}>
              Your browser cannot play this audio.
            </audio>
          ) : (
            <p className="tool-result-note">{block.problem}</p>
          )}
          <figcaption className="muted">
            Audio, {block.mimeType}, {formatBytes(block.bytes)}
          </figcaption>
        </figure>
      )
    case 'resource-text':
      return (
        <div className="tool-result-block tool-result-resource">
          <p>
            Resource <code>{block.uri}</code>
            {block.mimeType ? <span className="muted"> ({block.mimeType})</span> : null}
          </p>
          <pre className="tool-result-text">{block.text.text}</pre>
          <TruncationNote clipped={block.text} />
        </div>
      )
    case 'resource-blob':
      return (
        <div className="tool-result-block tool-result-resource">
          <p>
            Binary resource <code>{block.uri}</code>: {formatBytes(block.bytes)}
            {block.mimeType ? `, ${block.mimeType}` : ''}. Not displayed.
          </p>
        </div>
      )
    case 'resource-link':
      return (
        <div className="tool-result-block tool-result-resource">
          <p>
            Link to a resource:{' '}
            {block.href ? (
              <a href={block.href} rel="noopener noreferrer">
                {block.label}
              </a>
            ) : (
              <strong>{block.label}</strong>
            )}
            {block.mimeType ? <span className="muted"> ({block.mimeType})</span> : null}
          </p>
          {block.description ? <p className="tool-result-description">{block.description}</p> : null}
          <p className="muted">
            {block.label !== block.name ? (
              <>
                Name <code>{block.name}</code>,{' '}
              </>
            ) : null}
            URI <code className="tool-result-uri">{block.uri}</code>
          </p>
        </div>
      )
    case 'unknown':
      return (
        <div className="tool-result-block">
          <p>
            Content of type <code>{block.type}</code> that Switchboard does not know how to show:
          </p>
          <pre className="tool-result-json">{block.json.text}</pre>
          <TruncationNote clipped={block.json} />
        </div>
      )
    case 'malformed':
      return (
        <div className="tool-result-block">
          <p className="tool-result-note">
            A <code>{block.type}</code> block Switchboard cannot read ({block.problem}):
          </p>
          <pre className="tool-result-json">{block.json.text}</pre>
          <TruncationNote clipped={block.json} />
        </div>
      )
    case 'omitted':
      return (
        <p className="tool-result-block tool-result-note">
          A <code>{block.type}</code> block not shown: this result is too large to display in full.
        </p>
      )
  }
}

function TruncationNote({ clipped }: { clipped: Clipped }) {
  if (clipped.totalChars === undefined) return null
  const format = new Intl.NumberFormat('en-US')
  return (
    <p className="tool-result-note">
      Showing the first {format.format(clipped.text.length)} of {format.format(clipped.totalChars)} characters.
    </p>
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

function clipText(text: string, max: number): Clipped {
  if (text.length <= max) return { text }
  let end = max
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return { text: text.slice(0, end), totalChars: text.length }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${clipText(text, max - 1).text}…`
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding)
}

function formatBytes(bytes: number): string {
  const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
  if (bytes < 1024) return `${format.format(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`
  if (bytes < 1024 * 1024) return `${format.format(bytes / 1024)} KB`
  return `${format.format(bytes / (1024 * 1024))} MB`
}
