// A tool run with JavaScript: the same form and the same checks as the tool page's action, but
// the answer is a stream of server-sent events — the server's progress notifications while the
// call runs, then the run the page shows. Closing the request (the page's Cancel) cancels the call
// at the MCP server. One HTTP request from start to end, so it works behind a load balancer.
import type { ActionFunctionArgs } from '@remix-run/node'
import { runToolFromForm } from '#app/mcp/tool-call.server.ts'
import type { ToolProgress } from '#app/mcp/tools.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

/** A comment line now and then keeps proxies from closing a quiet stream while a long call runs. */
const KEEP_ALIVE_MS = 15_000

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const formData = await request.formData()
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true
      const send = (text: string) => {
        if (!open) return
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          open = false
        }
      }
      const event = (name: string, value: unknown) => send(`event: ${name}\ndata: ${JSON.stringify(value)}\n\n`)
      const keepAlive = setInterval(() => send(': keep-alive\n\n'), KEEP_ALIVE_MS)
      try {
        const { status, run } = await runToolFromForm({
          userId: user.id,
          server,
          toolName: params.toolName ?? '',
          formData,
          follow: { onProgress: (progress: ToolProgress) => event('progress', boundedProgress(progress)), signal: request.signal },
        })
        event('run', { status, run })
      } catch (error) {
        // A 404 (the tool is gone) or any other refusal is said as the page would say it.
        const status = error instanceof Response ? error.status : 500
        event('run', { status, run: null, message: error instanceof Response ? await error.text() : 'The call could not be run.' })
        if (!(error instanceof Response)) throw error
      } finally {
        clearInterval(keepAlive)
        open = false
        controller.close()
      }
    },
  })
  return new Response(body, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
  })
}

/** Progress as the page shows it: numbers that are numbers, a message of reasonable length. */
function boundedProgress(progress: ToolProgress): ToolProgress {
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)
  return {
    progress: number(progress.progress) ?? 0,
    ...(number(progress.total) !== undefined ? { total: number(progress.total) } : {}),
    ...(typeof progress.message === 'string' ? { message: progress.message.slice(0, 500) } : {}),
  }
}
