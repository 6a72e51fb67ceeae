// One Switchboard instance for multi-instance tests: a separate Node process (started by
// tests/multi-instance/instances.ts with `node --import tsx`) on the same database as the test,
// driven over the IPC channel. It runs the app's own route handlers and models, nothing else.
import http from 'node:http'
import { gateway } from '#app/gateway/http.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { consentAsBrowser } from '#tests/support/agent-oauth.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { refreshStats } from '#app/oauth/tokens.server.ts'
import { finishCallbackRoute, startConnectRoute } from '#tests/multi-instance/oauth-kit.ts'
import { type InstanceReply, type InstanceRequest } from '#tests/multi-instance/protocol.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'

let gatewayServer: http.Server | undefined

async function handle(request: InstanceRequest): Promise<InstanceReply> {
  switch (request.type) {
    case 'connect': {
      const step = await startConnectRoute(request.workspaceId, request.serverId, request.cookie)
      return { id: request.id, type: 'step', ...step }
    }
    case 'callback': {
      const step = await finishCallbackRoute(request.callbackUrl, request.cookie)
      return { id: request.id, type: 'step', status: step.status, location: step.location }
    }
    case 'calls': {
      const server = await requireServer(request.workspaceId, request.serverId)
      const outcomes = await Promise.all(
        Array.from({ length: request.count }, (_, index) => callServerTool(request.userId, server, 'echo', { text: `${request.label} ${index}` })),
      )
      return {
        id: request.id,
        type: 'calls',
        outcomes: outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.failure.kind)),
        refreshTokenRequests: refreshStats.tokenRequests,
      }
    }
    case 'serve-gateway': {
      gatewayServer ??= http.createServer((req, res) => void gateway.handle(req, res, { clientIp: req.socket.remoteAddress ?? 'unknown' }))
      const origin = gatewayServer.listening ? `http://127.0.0.1:${(gatewayServer.address() as { port: number }).port}` : await listenOnLoopback(gatewayServer)
      return { id: request.id, type: 'listening', origin }
    }
    case 'consent': {
      // The browser talks to PUBLIC_URL (the balancer in front of the instances), as a person's would.
      const publicOrigin = new URL(getEnv().PUBLIC_URL).origin
      const browser = { origin: publicOrigin, publicOrigin, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, redirect: 'manual' }), close: async () => {} }
      const landed = await consentAsBrowser(browser, request.authorizationUrl, request.cookie, request.intent)
      return { id: request.id, type: 'step', status: 303, location: landed.href }
    }
    case 'stop': {
      if (gatewayServer) await closeServer(gatewayServer)
      await getSessionPool().closeAll()
      await getDb().$disconnect()
      return { id: request.id, type: 'stopped' }
    }
  }
}

process.on('message', (message: InstanceRequest) => {
  handle(message)
    .then((reply) => {
      // After `stop`, exit once the reply is out (keep-alive sockets would keep the process up).
      process.send?.(reply, undefined, {}, () => {
        if (reply.type === 'stopped') process.exit(0)
      })
    })
    .catch((error: unknown) => {
      process.send?.({ id: message.id, type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } satisfies InstanceReply)
    })
})

process.send?.({ id: 0, type: 'ready', pid: process.pid } satisfies InstanceReply)
