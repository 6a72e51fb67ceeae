import { type ReactNode, Fragment } from 'react'

/*
 * A small Markdown renderer for what MCP servers send (tool results, resources, prompts): headings,
 * paragraphs, lists, block quotes, fenced code, tables, rules; code spans, bold, italic, links.
 * Safe by construction: it builds React elements, never HTML strings, so nothing the server sends
 * becomes markup; links are followed only when http(s), and images are shown as links (a remote
 * image would tell its host who is reading, and the CSP forbids it anyway). Linear in the input,
 * which the server already capped (ADR 013). Not CommonMark: what it does not know stays text.
 */

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'rule' }

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/
const FENCE = /^\s{0,3}(```|~~~)/
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/
const BULLET = /^\s*[-*+]\s+(.*)$/
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/

/** Whether `text` uses Markdown enough to be worth rendering (a heading, list, fence, table, link or emphasis). */
export function looksLikeMarkdown(text: string): boolean {
  return /^(#{1,6}\s|```|~~~|\s*[-*+]\s|\s*\d+[.)]\s|\s*>\s|\|.*\|\s*$)/m.test(text) || /\*\*[^*\n]+\*\*|\[[^\]\n]+\]\(https?:\/\/[^)\s]+\)|`[^`\n]+`/.test(text)
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim())
}

/** The blocks of a Markdown text. */
export function parseBlocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] ?? ''
    if (!line.trim()) {
      i++
      continue
    }
    const fence = FENCE.exec(line)
    if (fence) {
      const marker = fence[1] ?? '```'
      const body: string[] = []
      i++
      while (i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker)) body.push(lines[i++] ?? '')
      i++
      blocks.push({ kind: 'code', text: body.join('\n') })
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      const level = Math.min(6, Math.max(1, heading[1]?.length ?? 1)) as 1 | 2 | 3 | 4 | 5 | 6
      blocks.push({ kind: 'heading', level, text: heading[2] ?? '' })
      i++
      continue
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' })
      i++
      continue
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = []
      while (i < lines.length && /^\s*>/.test(lines[i] ?? '')) body.push((lines[i++] ?? '').replace(/^\s*>\s?/, ''))
      blocks.push({ kind: 'quote', text: body.join('\n') })
      continue
    }
    if (line.includes('|') && TABLE_SEPARATOR.test(lines[i + 1] ?? '') && (lines[i + 1] ?? '').includes('-')) {
      const header = cells(line)
      const rows: string[][] = []
      i += 2
      while (i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim()) rows.push(cells(lines[i++] ?? ''))
      blocks.push({ kind: 'table', header, rows })
      continue
    }
    const bullet = BULLET.exec(line)
    const numbered = bullet ? null : NUMBERED.exec(line)
    if (bullet || numbered) {
      const ordered = Boolean(numbered)
      const pattern = ordered ? NUMBERED : BULLET
      const items: string[] = []
      while (i < lines.length) {
        const current = lines[i] ?? ''
        const item = pattern.exec(current)
        if (item) items.push(item[1] ?? '')
        // A continuation line (indented, not a new block) belongs to the item before it.
        else if (current.trim() && /^\s+/.test(current) && items.length > 0) items[items.length - 1] += ` ${current.trim()}`
        else break
        i++
      }
      blocks.push({ kind: 'list', ordered, items })
      continue
    }
    const body: string[] = []
    while (i < lines.length) {
      const current = lines[i] ?? ''
      if (!current.trim() || FENCE.test(current) || HEADING.test(current) || /^\s*>/.test(current) || BULLET.test(current) || RULE.test(current)) break
      body.push(current)
      i++
    }
    blocks.push({ kind: 'paragraph', text: body.join('\n') })
  }
  return blocks
}

function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null
  } catch {
    return null
  }
}

// Code spans first (their content is literal), then links/images, then emphasis, in one pass;
// every repetition is bounded and none crosses a line, so a hostile text cannot make it slow.
const INLINE = /(`{1,3})([^\n]{0,500}?[^`\n])\1(?!`)|(!?)\[([^\]\n]{1,300})\]\(\s*([^)\s]{1,2000})(?:\s+"[^"\n]{0,300}")?\s*\)|<(https?:\/\/[^>\s]{1,2000})>|(\*\*|__)(?=\S)([^\n]{0,300}?\S)\7|(\*|_)(?=[^\s*_])([^*_\n]{0,300}?[^\s*_])\9(?![A-Za-z0-9])/g
/** Longer paragraphs are shown as they are: every pattern above is bounded, but not their number. */
const MAX_INLINE_CHARS = 20_000

/** Inline Markdown as React nodes. */
export function renderInline(text: string, keyPrefix = 'i'): ReactNode[] {
  if (text.length > MAX_INLINE_CHARS) return withBreaks(text, keyPrefix)
  const nodes: ReactNode[] = []
  let last = 0
  let index = 0
  for (const match of text.matchAll(INLINE)) {
    const at = match.index ?? 0
    if (at > last) nodes.push(...withBreaks(text.slice(last, at), `${keyPrefix}-t${index}`))
    const key = `${keyPrefix}-${index++}`
    const [whole, , code, bang, label, url, autolink, , strong, , emphasis] = match
    if (code !== undefined) nodes.push(<code key={key}>{code.trim() ? code.replace(/^ (.*) $/, '$1') : code}</code>)
    else if (label !== undefined && url !== undefined) {
      const href = safeHref(url)
      const content = bang ? `Image: ${label}` : renderInline(label, key)
      nodes.push(
        href ? (
          <a key={key} href={href} rel="noopener noreferrer nofollow">
            {content}
          </a>
        ) : (
          <Fragment key={key}>{bang ? content : whole}</Fragment>
        ),
      )
    } else if (autolink !== undefined) {
      const href = safeHref(autolink)
      nodes.push(
        href ? (
          <a key={key} href={href} rel="noopener noreferrer nofollow">
            {autolink}
          </a>
        ) : (
          <Fragment key={key}>{whole}</Fragment>
        ),
      )
    } else if (strong !== undefined) nodes.push(<strong key={key}>{renderInline(strong, key)}</strong>)
    else if (emphasis !== undefined) nodes.push(<em key={key}>{renderInline(emphasis, key)}</em>)
    else nodes.push(<Fragment key={key}>{whole}</Fragment>)
    last = at + whole.length
  }
  if (last < text.length) nodes.push(...withBreaks(text.slice(last), `${keyPrefix}-end`))
  return nodes
}

/** Soft line breaks inside a paragraph are kept (servers often mean them). */
function withBreaks(text: string, key: string): ReactNode[] {
  const parts = text.split('\n')
  return parts.flatMap((part, index) => (index === 0 ? [part] : [<br key={`${key}-${index}`} />, part]))
}

/**
 * Markdown rendered as React elements. `headingOffset` shifts heading levels so a document's
 * "# Title" sits below the page's own headings (h3 and lower inside a result).
 */
export function Markdown({ text, headingOffset = 2 }: { text: string; headingOffset?: number }) {
  return (
    <div className="markdown">
      {parseBlocks(text).map((block, index) => {
        const key = `b${index}`
        switch (block.kind) {
          case 'heading': {
            const Tag = `h${Math.min(6, block.level + headingOffset)}` as 'h3'
            return <Tag key={key}>{renderInline(block.text, key)}</Tag>
          }
          case 'paragraph':
            return <p key={key}>{renderInline(block.text, key)}</p>
          case 'code':
            return (
              <pre key={key} className="markdown-code">
                <code>{block.text}</code>
              </pre>
            )
          case 'quote':
            return (
              <blockquote key={key}>
                <Markdown text={block.text} headingOffset={headingOffset} />
              </blockquote>
            )
          case 'list': {
            const items = block.items.map((item, itemIndex) => <li key={itemIndex}>{renderInline(item, `${key}-${itemIndex}`)}</li>)
            return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>
          }
          case 'table':
            return (
              <div key={key} className="markdown-table">
                <table>
                  <thead>
                    <tr>
                      {block.header.map((cell, cellIndex) => (
                        <th key={cellIndex} scope="col">
                          {renderInline(cell, `${key}-h${cellIndex}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {block.rows.map((row, rowIndex) => (
                      <tr key={rowIndex}>
                        {row.map((cell, cellIndex) => (
                          <td key={cellIndex}>{renderInline(cell, `${key}-${rowIndex}-${cellIndex}`)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          case 'rule':
            return <hr key={key} />
        }
      })}
    </div>
  )
}
