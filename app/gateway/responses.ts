// The JSON answers the gateway writes itself (before or beside the MCP handler): one shape, never cached.

/** A JSON body with a status (no-store: these answers are per caller). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  })
}

/** A JSON-RPC error outside any request (id null), for refusals before the MCP handler runs. */
export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { jsonrpc: '2.0', id: null, error: { code, message } }, headers)
}
