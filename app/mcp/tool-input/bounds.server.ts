import { countNodes } from '#app/mcp/display-bounds.ts'
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
