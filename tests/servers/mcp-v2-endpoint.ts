import { type Request, type Response } from 'express'
import { type AuthInfo, createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server'
import { createDemoV2McpServer } from '#scripts/demo/tools-v2.ts'

/**
 * Which SDK serves a peer's MCP endpoint: `v1` (the default) is `@modelcontextprotocol/sdk` with
 * sessions, speaking 2025-11-25 and older; `2026-only` is the v2 server package's handler with
 * legacy protocol versions rejected (`legacy: 'reject'`, as the guides of popular auth libraries
 * show it); `2026-and-legacy` is the same handler serving 2025-era clients statelessly too.
 */
export type McpPeerEra = 'v1' | '2026-only' | '2026-and-legacy'

/** The v2 handler for `era`, building the v2 demo server (tools-v2.ts) per request. */
export function createV2Handler(era: Exclude<McpPeerEra, 'v1'>): McpHttpHandler {
  let tickets = 0
  return createMcpHandler(() => createDemoV2McpServer({ nextTicketNumber: () => ++tickets }), {
    legacy: era === '2026-only' ? 'reject' : 'stateless',
  })
}

/** Serves one Express request (body already parsed by express.json) with a v2 handler. */
export async function serveWithV2Handler(handler: McpHttpHandler, req: Request, res: Response, authInfo: AuthInfo | undefined) {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) headers.set(name, value.join(', '))
  }
  const hasBody = req.method === 'POST'
  const request = new globalThis.Request(`http://${req.get('host') ?? '127.0.0.1'}${req.originalUrl}`, {
    method: req.method,
    headers,
    body: hasBody ? JSON.stringify(req.body) : undefined,
  })
  const response = await handler.fetch(request, { authInfo, parsedBody: hasBody ? req.body : undefined })
  res.status(response.status)
  response.headers.forEach((value, name) => res.setHeader(name, value))
  if (!response.body) {
    res.end()
    return
  }
  // Chunk by chunk: an SSE answer reaches the client as the handler writes it.
  const reader = response.body.getReader()
  for (;;) {
    const chunk = await reader.read()
    if (chunk.done) break
    res.write(chunk.value)
  }
  res.end()
}
