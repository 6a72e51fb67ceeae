// The streamed tool run (issue 11 point 19): the server's progress notifications reach the page
// as server-sent events, then the run; closing the request cancels the call at the MCP server.
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { action as runAction } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName_.run.ts'
import { readEvents } from '#app/components/tool-run-stream.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { BASE_URL, type TestAccount, createTestAccount, loadContext, settle, statusOf } from '#tests/utils.ts'

let demo: DemoMcpServer
let account: TestAccount
let serverId: string

beforeAll(async () => {
  demo = await startDemoMcpServer()
  account = await createTestAccount('Runner')
  serverId = (await getDb().mcpServer.create({ data: { workspaceId: account.user.workspaceId, name: 'Demo', url: demo.url, authType: 'none' } })).id
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await demo?.close()
})

function run(toolName: string, fields: Record<string, string>, signal?: AbortSignal, cookie = account.cookie) {
  const path = `/w/${account.user.workspaceId}/servers/${serverId}/tools/${toolName}/run`
  const request = new Request(new URL(path, BASE_URL), { method: 'POST', headers: { Origin: BASE_URL, Cookie: cookie }, body: new URLSearchParams(fields), signal })
  return settle(() => runAction({ request, params: { workspaceId: account.user.workspaceId, serverId, toolName }, context: loadContext() }))
}

/** Reads the event stream whole, or until `until` says stop. */
async function eventsOf(response: Response, until?: (event: { event: string; data: unknown }) => boolean) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const seen: Array<{ event: string; data: unknown }> = []
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return seen
    const read = readEvents(buffer + decoder.decode(value, { stream: true }))
    buffer = read.rest
    for (const item of read.events) {
      const event = { event: item.event, data: JSON.parse(item.data) }
      seen.push(event)
      if (until?.(event)) {
        await reader.cancel()
        return seen
      }
    }
  }
}

test('progress notifications stream before the result', async () => {
  const response = await run('slow', { 'arg.ms': '2500' })
  expect(response).toBeInstanceOf(Response)
  if (!(response instanceof Response)) return
  expect(response.headers.get('Content-Type')).toMatch(/^text\/event-stream/)
  const events = await eventsOf(response)
  expect(events.map((event) => event.event)).toEqual(['progress', 'progress', 'run'])
  expect(events[0]?.data).toEqual({ progress: 1000, total: 2500, message: 'Waited 1000 of 2500 ms' })
  expect(events[2]?.data).toMatchObject({ status: 200, run: { kind: 'result', result: { ok: true, blocks: [{ kind: 'text', text: { text: 'Waited 2500 ms.' } }] } } })
})

test('closing the request cancels the call at the server', async () => {
  const cancelledBefore = demo.stats.toolCallsCancelled
  const abort = new AbortController()
  const response = await run('slow', { 'arg.ms': '20000' }, abort.signal)
  if (!(response instanceof Response)) throw new Error('no stream')
  await eventsOf(response, (event) => event.event === 'progress')
  abort.abort()
  await vi.waitFor(() => expect(demo.stats.toolCallsCancelled).toBe(cancelledBefore + 1), { timeout: 5_000 })
})

test('invalid arguments come back as the page shows them; strangers get nothing', async () => {
  const response = await run('slow', { 'arg.ms': 'soon' })
  if (!(response instanceof Response)) throw new Error('no stream')
  const [event] = await eventsOf(response)
  expect(event).toMatchObject({ event: 'run', data: { status: 400, run: { kind: 'invalid' } } })

  const stranger = await createTestAccount('Stranger')
  expect([403, 404]).toContain(statusOf(await run('slow', { 'arg.ms': '1' }, undefined, stranger.cookie)))
})
