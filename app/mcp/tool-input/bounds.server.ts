import { MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES } from '#app/mcp/tool-input/spec.ts'

/**
 * Why Switchboard cannot use a tool's input schema at all (nested too deeply or too large), as a
 * sentence for the Tools page and the tool form, or null. Cheap: one bounded walk, no compiling.
 */
export function inputSchemaBoundsProblem(inputSchema: unknown): string | null {
  const counted = countNodes(inputSchema, MAX_SCHEMA_NODES, MAX_SCHEMA_DEPTH)
  const reason =
    counted === 'too-deep'
      ? `nested too deeply to display (more than ${MAX_SCHEMA_DEPTH} levels)`
      : counted === 'too-many'
        ? 'too large to display'
        : null
  return reason ? `This tool’s input schema is ${reason}.` : null
}

/** Counts the values in a JSON tree, giving up past `maxNodes` or `maxDepth`. */
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
