import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { type AfterAnswer, afterAnswerQueue } from '#app/gateway/after-answer.ts'
import { handleAuthorizationServer, isAuthorizationServerPath } from '#app/gateway/as/provider.server.ts'
import { authenticateAgent, protectedResourceMetadataResponse } from '#app/gateway/auth.server.ts'
import { serveAgentRequest } from '#app/gateway/endpoint.server.ts'
import { agentRateLimit } from '#app/gateway/rate-limit.server.ts'
import { jsonResponse, jsonRpcError } from '#app/gateway/responses.ts'
import { type EndpointTarget, endpointUrl, parseEndpointPath, parseResourceMetadataPath } from '#app/gateway/target.ts'
import { getEnv } from '#app/utils/env.server.ts'
import type { GatewayModule } from '#app/utils/gateway-paths.ts'
import { logger, redactUrl } from '#app/utils/logger.server.ts'
import { readCapped } from '#app/utils/read-capped-body.server.ts'

/** MCP messages carry tool arguments: they get this many times the form body limit (MAX_REQUEST_BODY_BYTES). */
const MCP_BODY_FACTOR = 4

/**
 * The gateway wing's HTTP face, handed every request of `isGatewayPath` by the HTTP server before Express
 * (app/server/http-app.ts takes it from the Remix build so that it shares the app's module graph: one Prisma client,
 * one session pool).
 * Order on an MCP endpoint: Origin (DNS rebinding), body cap, bearer token, rate limit, then the MCP handler.
 */
export const gateway: GatewayModule = {
  async handle(req, res, { clientIp }) {
    const pathname = new URL(req.url ?? '/', 'http://gateway.invalid').pathname
    const controller = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) controller.abort()
    })
    // The audit rows of the request's calls, written once its answer is out (ADR 037).
    const afterAnswer = afterAnswerQueue((error) => logger.error({ err: error }, 'work after an MCP answer failed'))
    try {
      if (isAuthorizationServerPath(pathname)) return await handleAuthorizationServer(req, res, { clientIp })
      const metadataTarget = parseResourceMetadataPath(pathname)
      if (metadataTarget) return await sendResponse(res, await protectedResourceMetadataResponse(metadataTarget))
      const target = parseEndpointPath(pathname)
      if (!target) return await sendResponse(res, jsonResponse(404, { error: 'not_found' }))
      return await sendResponse(res, await serveEndpoint(req, target, controller.signal, afterAnswer.defer))
    } catch (error) {
      logger.error({ err: error, method: req.method, path: redactUrl(req.url ?? '/') }, 'gateway request failed')
      if (!res.headersSent) await sendResponse(res, jsonRpcError(500, -32603, 'Switchboard could not answer this request.'))
      else res.destroy()
    } finally {
      await afterAnswer.run()
    }
  },
}

async function serveEndpoint(req: IncomingMessage, target: EndpointTarget, signal: AbortSignal, afterAnswer: AfterAnswer): Promise<Response> {
  const env = getEnv()
  const originRefusal = checkMcpOrigin(req.headers.origin, env.PUBLIC_URL)
  if (originRefusal) return originRefusal
  let body: Buffer<ArrayBuffer> | null = null
  if (req.method === 'POST') {
    const read = await readCapped(req, MCP_BODY_FACTOR * env.MAX_REQUEST_BODY_BYTES)
    if (read === 'gone') return new Response(null, { status: 499 })
    if (read === 'too-large') return jsonRpcError(413, -32600, 'The message is larger than this endpoint accepts.')
    body = read
  }
  const request = new Request(endpointUrl(env.PUBLIC_URL, target), {
    method: req.method,
    headers: headersOf(req, body),
    body,
    signal,
  })
  const auth = await authenticateAgent(request, target)
  if (!auth.ok) return auth.response
  return (await agentRateLimit(auth.caller)) ?? (await serveAgentRequest(request, auth.caller, { body: body ? parseJson(body) : undefined, afterAnswer }))
}

/** The body as JSON, or undefined when it is not (the MCP handler answers that with a parse error). */
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * DNS-rebinding protection (MCP Streamable HTTP transport): a request that names an Origin must come from
 * Switchboard's own. Agents are not browsers and send none, which passes.
 */
export function checkMcpOrigin(origin: string | undefined, publicUrl: string): Response | null {
  if (origin === undefined) return null
  if (origin === new URL(publicUrl).origin) return null
  logger.warn({ origin }, 'refused an MCP request from a foreign origin')
  return jsonRpcError(403, -32600, 'Requests from other web origins are not accepted at this endpoint.')
}

function headersOf(req: IncomingMessage, body: Buffer | null): Headers {
  const headers = new Headers()
  for (const [name, values] of Object.entries(req.headers)) {
    if (values === undefined || name === 'transfer-encoding' || name === 'content-length') continue
    for (const value of Array.isArray(values) ? values : [values]) headers.append(name, value)
  }
  if (body) headers.set('content-length', String(body.length))
  return headers
}

/**
 * Writes a web Response to Node: headers (every Set-Cookie kept); an event stream flushed at once and streamed, any
 * other body (a JSON-RPC answer, built by this process) sent whole with its length, in one write.
 */
async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  for (const [name, value] of response.headers.entries()) res.appendHeader(name, value)
  if (!/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) {
    if (!response.body) return void res.end()
    const body = Buffer.from(await response.arrayBuffer())
    res.setHeader('Content-Length', body.length)
    res.end(body)
    return
  }
  res.flushHeaders()
  if (!response.body) {
    res.end()
    return
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream)
  await new Promise<void>((resolve) => {
    body.on('error', () => res.destroy())
    res.on('close', () => {
      body.destroy()
      resolve()
    })
    body.pipe(res)
  })
}
