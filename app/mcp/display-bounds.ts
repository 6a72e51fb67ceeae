/*
 * Bounds for showing what a remote server sent, shared by the server code that prepares pages and
 * the components that render them (pure, no server imports). JSON.parse builds trees of any depth
 * (200,000 levels in about a megabyte), but JSON.stringify, React and Remix's serializer recurse
 * and overflow the stack at a few thousand levels. So every value is measured first, without
 * recursion, and only a value of bounded depth is ever stringified.
 */

/** Deeper values are not displayed at all; JSON.stringify is safe well beyond this. */
export const MAX_DISPLAY_DEPTH = 100

/** Text cut to a limit; `totalChars` is the full length when it was cut; `tooDeep` when it was not shown at all. */
export type Clipped = { text: string; totalChars?: number; tooDeep?: number }

/** Whether `value` nests objects or arrays more than `maxDepth` levels deep. Iterative: never overflows. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  // countNodes counts the root as depth 0, this question counts it as level 1.
  return countNodes(value, Number.MAX_SAFE_INTEGER, maxDepth - 1) === 'too-deep'
}

/** Counts the values in a JSON tree, giving up past `maxNodes` or `maxDepth` (the root is depth 0). Iterative. */
export function countNodes(root: unknown, maxNodes: number, maxDepth: number): number | 'too-many' | 'too-deep' {
  let nodes = 1
  const stack: Array<[unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const next = stack.pop()
    if (!next) break
    const [value, depth] = next
    if (value === null || typeof value !== 'object') continue
    if (depth > maxDepth) return 'too-deep'
    const children = Array.isArray(value) ? value : Object.values(value)
    nodes += children.length
    if (nodes > maxNodes) return 'too-many'
    for (const child of children) stack.push([child, depth + 1])
  }
  return nodes
}

/**
 * Pretty-printed JSON of `value`, cut at `maxChars` (never inside a surrogate pair). A value nested
 * deeper than `maxDepth` comes back empty with `tooDeep` set, for a "too deep to display" note.
 */
export function boundedJson(value: unknown, maxChars: number, maxDepth = MAX_DISPLAY_DEPTH): Clipped {
  if (nestsDeeperThan(value, maxDepth)) return { text: '', tooDeep: maxDepth }
  let text: string
  try {
    text = JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    // Fails closed to a placeholder: BigInt or a cycle cannot come out of JSON.parse anyway.
    text = '(a value Switchboard cannot show as JSON)'
  }
  return clipText(text, maxChars)
}

/** `text` cut at `max` characters, with the original length when it was cut. */
export function clipText(text: string, max: number): Clipped {
  if (text.length <= max) return { text }
  let end = max
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return { text: text.slice(0, end), totalChars: text.length }
}

/** `text` cut to at most `max` characters, the last one an ellipsis when it was cut (never inside a surrogate pair). */
export function ellipsize(text: string, max: number): string {
  return text.length <= max ? text : `${clipText(text, max - 1).text}…`
}

/** The sentence shown instead of a value nested too deeply. */
export function tooDeepSentence(what: string, maxDepth: number): string {
  return `${what} is nested too deeply to display (more than ${maxDepth} levels).`
}

/** "512 bytes", "3.4 KB", "7.2 MB". */
export function formatBytes(bytes: number): string {
  const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
  if (bytes < 1024) return `${format.format(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`
  if (bytes < 1024 * 1024) return `${format.format(bytes / 1024)} KB`
  return `${format.format(bytes / (1024 * 1024))} MB`
}
