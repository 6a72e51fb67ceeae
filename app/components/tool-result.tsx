import { createContext, useContext } from 'react'
import { CopyButton } from '#app/components/copy-button.tsx'
import { Markdown, looksLikeMarkdown } from '#app/components/markdown.tsx'
import { type Clipped, formatBytes, tooDeepSentence } from '#app/mcp/display-bounds.ts'
import type { DisplayBlock, DisplayResult } from '#app/mcp/tool-display.server.ts'

/** Where a resource link of the result is read inside Switchboard (the server's Resources page), if anywhere. */
const ResourceHref = createContext<((uri: string) => string) | null>(null)

/*
 * Shows an MCP tool result that the server already turned into a bounded DisplayResult
 * (`toDisplayResult` in app/mcp/tool-display.server.ts): every size is capped there, media are
 * data: URLs of an allowlisted type only, and links only http(s). This component only renders.
 *
 * CSP: images need `img-src data:` (already set); audio needs `media-src 'self' data:`.
 */

/**
 * The result of a tool call: content blocks, structured content, the error flag and the duration.
 * It has no heading of its own: the route puts it in its "Result" section (sub-headings are h3).
 */
export function ToolResult({
  result: read,
  durationMs,
  resourceHref = null,
}: {
  result: DisplayResult
  durationMs?: number
  /** Links to resources that are not web pages (e.g. `demo://…`) are read on this page of Switchboard. */
  resourceHref?: ((uri: string) => string) | null
}) {
  const duration =
    typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0
      ? `Took ${new Intl.NumberFormat('en-US').format(Math.round(durationMs))} ms`
      : null
  return (
    <ResourceHref.Provider value={resourceHref}>
      {/* A live region: a screen reader hears the result when a run answers on the same page (with JavaScript). */}
      <div className="tool-result" aria-live="polite">
        {duration ? <p className="muted tool-result-duration">{duration}</p> : null}
        {read.ok ? <ReadableResult read={read} /> : <UnreadableResult problems={read.problems} preview={read.preview} />}
      </div>
    </ResourceHref.Provider>
  )
}

function ReadableResult({ read }: { read: Extract<DisplayResult, { ok: true }> }) {
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
          <JsonView clipped={read.structured} what="The structured content" />
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
        <JsonView clipped={preview} what="What the server sent" />
      </details>
    </div>
  )
}

function Block({ block }: { block: DisplayBlock }) {
  switch (block.kind) {
    case 'text':
      return (
        <div className="tool-result-block">
          <TextView text={block.text.text} markdown={looksLikeMarkdown(block.text.text)} />
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
            {block.src ? (
              <>
                {' · '}
                <a href={block.src} download={`image.${block.mimeType.split('/')[1] ?? 'bin'}`}>
                  Download
                </a>
              </>
            ) : null}
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
          <TextView text={block.text.text} markdown={block.mimeType === 'text/markdown' || looksLikeMarkdown(block.text.text)} />
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
            <ResourceLink block={block} />
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
          <JsonView clipped={block.json} what="This block" />
        </div>
      )
    case 'malformed':
      return (
        <div className="tool-result-block">
          <p className="tool-result-note">
            A <code>{block.type}</code> block Switchboard cannot read ({block.problem}):
          </p>
          <JsonView clipped={block.json} what="This block" />
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

/** JSON in a pre with its truncation note, or only a "too deep to display" note. */
function JsonView({ clipped, what }: { clipped: Clipped; what: string }) {
  if (clipped.tooDeep !== undefined) return <p className="tool-result-note">{tooDeepSentence(what, clipped.tooDeep)}</p>
  return (
    <>
      <pre className="tool-result-json">{clipped.text}</pre>
      <CopyButton text={clipped.text} label="Copy JSON" />
      <TruncationNote clipped={clipped} />
    </>
  )
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

/** Text as sent, or rendered as Markdown with the text as sent one click away; a copy button with JavaScript. */
function TextView({ text, markdown }: { text: string; markdown: boolean }) {
  if (!markdown) {
    return (
      <>
        <pre className="tool-result-text">{text}</pre>
        <CopyButton text={text} label="Copy text" />
      </>
    )
  }
  return (
    <>
      <Markdown text={text} />
      <details className="tool-result-plain">
        <summary>Text as sent</summary>
        <pre className="tool-result-text">{text}</pre>
      </details>
      <CopyButton text={text} label="Copy text" />
    </>
  )
}

/** A web link opens the page; any other resource is read on the server's Resources page. */
function ResourceLink({ block }: { block: Extract<DisplayBlock, { kind: 'resource-link' }> }) {
  const resourceHref = useContext(ResourceHref)
  if (block.href) {
    return (
      <a href={block.href} rel="noopener noreferrer">
        {block.label}
      </a>
    )
  }
  if (resourceHref) return <a href={resourceHref(block.uri)}>{block.label}</a>
  return <strong>{block.label}</strong>
}
