import { type Clipped, formatBytes, tooDeepSentence } from '#app/mcp/display-bounds.ts'
import type { DisplayBlock, DisplayResult } from '#app/mcp/tool-display.server.ts'

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
export function ToolResult({ result: read, durationMs }: { result: DisplayResult; durationMs?: number }) {
  const duration =
    typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0
      ? `Took ${new Intl.NumberFormat('en-US').format(Math.round(durationMs))} ms`
      : null
  return (
    // A live region: a screen reader hears the result when a run answers on the same page (with JavaScript).
    <div className="tool-result" aria-live="polite">
      {duration ? <p className="muted tool-result-duration">{duration}</p> : null}
      {read.ok ? <ReadableResult read={read} /> : <UnreadableResult problems={read.problems} preview={read.preview} />}
    </div>
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
