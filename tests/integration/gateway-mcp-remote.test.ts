import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { type Balancer, startBalancer } from '#tests/multi-instance/balancer.ts'
import { type AppInstance, startAppInstance } from '#tests/multi-instance/instances.ts'
import { type BrowserRelay, startBrowserRelay } from '#tests/support/browser-relay.ts'
import { type TestUser, createTestUser, sessionCookieFor } from '#tests/utils.ts'

// `mcp-remote` (npm), the stdio bridge many desktop clients use for remote servers, as a second real client of the
// workspace endpoint: it registers itself, opens the consent page "in the browser" (here: tests/support/relay-browser.mjs
// as $BROWSER hands the URL to the test, which acts as the person), receives the code on its own loopback callback,
// and then lists and calls the workspace's tools over stdio. Switchboard runs as its own process at its PUBLIC_URL.

let balancer: Balancer
let instance: AppInstance
let upstream: DemoMcpServer
let relay: BrowserRelay
let user: TestUser
let configDir: string

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (tests/setup creates the worker database)')
  ;[balancer, upstream, relay] = await Promise.all([startBalancer(), startDemoMcpServer(), startBrowserRelay()])
  instance = await startAppInstance('gateway', { DATABASE_URL: databaseUrl, PUBLIC_URL: balancer.origin })
  const reply = await instance.send({ type: 'serve-gateway' })
  if (reply.type !== 'listening') throw new Error(`the instance answered ${reply.type}`)
  balancer.setTargets([reply.origin])
  user = await createTestUser('mcp-remote user')
  await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Demo', url: upstream.url, timeoutMs: 10_000 } })
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-mcp-remote-'))
})
afterAll(async () => {
  await instance?.stop()
  await Promise.all([balancer?.close(), upstream?.close(), relay?.close()])
  fs.rmSync(configDir, { recursive: true, force: true })
})

test('mcp-remote authorizes by the consent page and uses the workspace tools', { timeout: 60_000 }, async () => {
  const cookie = await sessionCookieFor(user.id)
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.resolve('node_modules/mcp-remote/dist/proxy.js'), `${balancer.origin}/mcp/${user.workspaceId}`, '--host', '127.0.0.1'],
    // No desktop: `open` falls back to $BROWSER. Its own token store in a temporary folder.
    env: { PATH: process.env.PATH ?? '', HOME: configDir, MCP_REMOTE_CONFIG_DIR: configDir, ...relay.env },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const client = new V1Client({ name: 'desktop client', version: '1' })
  const connected = client.connect(transport)

  // The person's browser: the consent page on Switchboard, Allow, then mcp-remote's own loopback callback.
  const authorizationUrl = await relay.nextUrl()
  expect(new URL(authorizationUrl).origin).toBe(balancer.origin)
  const landed = await instance.send({ type: 'consent', authorizationUrl, cookie, intent: 'allow' })
  if (landed.type !== 'step') throw new Error('no consent step')
  const callback = new URL(landed.location)
  expect(callback.hostname).toBe('127.0.0.1')
  expect((await fetch(callback)).status).toBe(200)

  try {
    await connected
  } catch (error) {
    throw new Error(`mcp-remote did not connect: ${String(error)}\n${stderr.slice(-2000)}`, { cause: error })
  }
  const tools = await client.listTools()
  expect(tools.tools.map((tool) => tool.name)).toContain('demo_echo')
  const result = await client.callTool({ name: 'demo_echo', arguments: { message: 'through mcp-remote' } })
  expect(JSON.stringify(result.content)).toContain('through mcp-remote')
  await client.close()

  // The app shows up in the person's Connected apps, registered by itself (not a metadata document).
  const grants = await getDb().agentGrant.findMany({ where: { userId: user.id } })
  expect(grants).toHaveLength(1)
  expect(grants[0]?.viaMetadataDocument).toBe(false)
  // And the agent's call is in the audit trail, without its arguments (written once the answer is out: ADR 037).
  await expect
    .poll(async () => (await getDb().toolCall.findMany({ where: { userId: user.id, via: 'agent' } })).map((call) => [call.toolName, call.outcome, call.arguments]))
    .toEqual([['echo', 'success', null]])
})
