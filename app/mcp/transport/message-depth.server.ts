import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client'
import { MAX_DISPLAY_DEPTH } from '#app/mcp/display-bounds.ts'
import { MAX_SCHEMA_DEPTH } from '#app/mcp/tool-input/spec.ts'

/*
 * The v2 SDK checks results with recursive zod schemas (a tool's `inputSchema.properties` and
 * `structuredContent` are JSON values walked to the bottom). A hostile server's schema nested a
 * few thousand levels deep overflows the stack inside `listTools`, and one tool would take the
 * whole server's list down (the v1 SDK passed these through unwalked). Incoming messages are
 * therefore cut at a depth far below that, and far above what Switchboard shows: what lies
 * deeper is replaced by a marker string, so the parts stay "too deep" for every bounded check
 * downstream (input schemas beyond MAX_SCHEMA_DEPTH, results beyond MAX_DISPLAY_DEPTH).
 */

/** Levels of a JSON-RPC message kept as sent; deeper values become TOO_DEEP_MARKER. */
export const MAX_MESSAGE_DEPTH = 256
export const TOO_DEEP_MARKER = '[nested too deeply]'

// The cut must leave what the bounded checks look for: deeper than both of their limits.
const CUT_CLEARS_CHECKS = MAX_MESSAGE_DEPTH > 2 * Math.max(MAX_SCHEMA_DEPTH, MAX_DISPLAY_DEPTH)
if (!CUT_CLEARS_CHECKS) throw new Error('MAX_MESSAGE_DEPTH must stay well above the display and schema limits')

/**
 * `value` with every object or array deeper than `maxDepth` replaced by TOO_DEEP_MARKER; the same
 * value when nothing is that deep. Iterative: a 200,000-level value must not overflow here either.
 */
export function cutDeepValues<T>(value: T, maxDepth: number = MAX_MESSAGE_DEPTH): T {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }]
  while (stack.length > 0) {
    const item = stack.pop()
    const node = item?.node
    if (!item || typeof node !== 'object' || node === null) continue
    for (const [key, child] of Object.entries(node)) {
      if (typeof child !== 'object' || child === null) continue
      // Object.entries names array items '0', '1', …: Reflect.set puts the marker in their place.
      if (item.depth + 1 >= maxDepth) Reflect.set(node, key, TOO_DEEP_MARKER)
      else stack.push({ node: child, depth: item.depth + 1 })
    }
  }
  return value
}

/**
 * Makes `transport` hand the client only messages cut at MAX_MESSAGE_DEPTH. Set before the
 * client connects: the client then installs its handler through this property.
 */
export function boundIncomingDepth(transport: Transport): void {
  let handler: Transport['onmessage']
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (next: Transport['onmessage']) => {
      handler = next && ((message: JSONRPCMessage, extra) => next(cutDeepValues(message), extra))
    },
  })
}
