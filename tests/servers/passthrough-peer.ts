import http from 'node:http'
import {
  McpServer,
  ResourceTemplate,
  acceptedContent,
  completable,
  createMcpHandler,
  inputRequired,
} from '@modelcontextprotocol/server'
import { z } from 'zod'
import { closeServer, listenOnLoopback, reportPeerBug, serveWithWebHandler } from '#tests/servers/peer-http.ts'

// An upstream MCP server for the per-server pass-through endpoint (/mcp/<ws>/<srv>): the v2 server package's
// handler, speaking 2026-07-28 and (statelessly) the 2025 revisions, with everything a pass-through must carry —
// resources and a template, prompts with completions, a tool that reports progress, one that logs, ones that ask
// the agent something (MRTR: form and URL elicitation, sampling, roots), one that waits until it is cancelled, and
// one an admin can turn off.

export type PassthroughPeerStats = {
  /** `wait` calls whose request signal fired (the gateway passed the agent's cancellation on). */
  aborted: number
  /** What the person answered to `ask`, as the tool saw it on the retry. */
  answers: Array<{ action: string; name: string | null }>
  /** The `_meta` client capabilities of every `ask` call, as the upstream saw them. */
  askCapabilities: unknown[]
  /** Every tools/call that reached the peer, by name. */
  calls: string[]
  /** Resolves the next time a `wait` call starts. */
  waitStarted: Promise<void>
  /** Lets every running `wait` call finish normally. */
  releaseWaits(): void
}

export type PassthroughPeer = { url: string; stats: PassthroughPeerStats; close(): Promise<void> }

const LANGUAGES = ['go', 'typescript', 'rust', 'python']

/** The running `wait` calls, each finished by its resolver. */
const releases = new Set<() => void>()

function buildServer(stats: PassthroughPeerStats, started: { resolve: () => void }, toolsOnly: boolean): McpServer {
  if (toolsOnly) {
    const server = new McpServer({ name: 'tools-only-peer', version: '1.0.0' })
    server.registerTool('ping', { description: 'Answers pong.', inputSchema: z.object({}) }, () => ({ content: [{ type: 'text', text: 'pong' }] }))
    return server
  }
  const server = new McpServer({ name: 'passthrough-peer', version: '1.0.0' }, { capabilities: { logging: {} } })
  server.registerResource('readme', 'peer://readme', { title: 'Read me', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Hello from the pass-through peer.' }],
  }))
  server.registerResource(
    'note',
    new ResourceTemplate('peer://notes/{id}', {
      list: undefined,
      complete: { id: (value) => ['alpha', 'beta', 'gamma'].filter((id) => id.startsWith(value)) },
    }),
    { title: 'A note', mimeType: 'text/plain' },
    (uri, variables) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Note ${String(variables.id)}` }] }),
  )
  server.registerPrompt(
    'review',
    {
      title: 'Review code',
      description: 'Asks for a code review in a language.',
      argsSchema: z.object({ language: completable(z.string(), (value) => LANGUAGES.filter((language) => language.startsWith(value))) }),
    },
    ({ language }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Please review this ${language} code.` } }] }),
  )
  server.registerTool('echo', { description: 'Echoes a message.', inputSchema: z.object({ message: z.string() }) }, ({ message }) => {
    stats.calls.push('echo')
    return { content: [{ type: 'text', text: message }] }
  })
  server.registerTool('secret', { description: 'A tool an admin may turn off.', inputSchema: z.object({}) }, () => {
    stats.calls.push('secret')
    return { content: [{ type: 'text', text: 'the secret' }] }
  })
  server.registerTool('count', { description: 'Reports progress three times.', inputSchema: z.object({}) }, async (_args, ctx) => {
    stats.calls.push('count')
    const progressToken = ctx.mcpReq._meta?.progressToken
    for (let step = 1; step <= 3 && progressToken !== undefined; step++) {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: step, total: 3, message: `step ${step}` } })
    }
    return { content: [{ type: 'text', text: 'counted to 3' }] }
  })
  server.registerTool('chatty', { description: 'Logs a line, then answers.', inputSchema: z.object({}) }, async (_args, ctx) => {
    stats.calls.push('chatty')
    await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', logger: 'peer', data: 'chatty says hello' } })
    return { content: [{ type: 'text', text: 'logged' }] }
  })
  server.registerTool('ask', { description: 'Asks the person for their name.', inputSchema: z.object({}) }, (_args, ctx) => {
    stats.calls.push('ask')
    stats.askCapabilities.push((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/clientCapabilities'] ?? null)
    const nameSchema = z.object({ name: z.string() })
    const responses = ctx.mcpReq.inputResponses
    if (!responses?.who) {
      return inputRequired({ inputRequests: { who: inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema }) }, requestState: 'peer-state-1' })
    }
    const answer = acceptedContent(responses, 'who', nameSchema)
    const state = ctx.mcpReq.requestState()
    stats.answers.push({ action: answer ? 'accept' : 'other', name: answer?.name ?? null })
    return { content: [{ type: 'text', text: answer ? `Hello, ${answer.name} (${String(state)})` : 'No name given.' }] }
  })
  server.registerTool('summarize', { description: 'Asks the agent’s model for a summary.', inputSchema: z.object({}) }, (_args, ctx) => {
    stats.calls.push('summarize')
    const draft = ctx.mcpReq.inputResponses?.draft
    if (!draft) {
      return inputRequired({
        inputRequests: { draft: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Summarize the peer.' } }], maxTokens: 50 }) },
      })
    }
    const text = z.object({ content: z.object({ text: z.string() }) }).safeParse(draft).data?.content.text
    return { content: [{ type: 'text', text: `Summary: ${text ?? 'none'}` }] }
  })
  server.registerTool('visit', { description: 'Sends the person to a page.', inputSchema: z.object({}) }, (_args, ctx) => {
    stats.calls.push('visit')
    const went = ctx.mcpReq.inputResponses?.go
    if (!went) return inputRequired({ inputRequests: { go: inputRequired.elicitUrl({ message: 'Open the peer’s page.', url: 'https://peer.example/page' }) } })
    const action = z.object({ action: z.string() }).safeParse(went).data?.action
    return { content: [{ type: 'text', text: `Visited: ${action ?? 'unknown'}` }] }
  })
  server.registerTool('where', { description: 'Asks for the agent’s roots.', inputSchema: z.object({}) }, (_args, ctx) => {
    stats.calls.push('where')
    const listed = ctx.mcpReq.inputResponses?.roots
    if (!listed) return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } })
    const roots = z.object({ roots: z.array(z.object({ uri: z.string() })) }).safeParse(listed).data?.roots ?? []
    return { content: [{ type: 'text', text: `Roots: ${roots.map((root) => root.uri).join(', ')}` }] }
  })
  server.registerTool('wait', { description: 'Waits until cancelled.', inputSchema: z.object({}) }, async (_args, ctx) => {
    stats.calls.push('wait')
    const signal = ctx.mcpReq.signal
    started.resolve()
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
      releases.add(resolve)
      setTimeout(resolve, 10_000).unref()
    })
    if (signal.aborted) stats.aborted++
    return { content: [{ type: 'text', text: signal.aborted ? 'aborted' : 'waited' }] }
  })
  return server
}

/** Starts the peer on 127.0.0.1; its MCP endpoint is `url`. `toolsOnly`: one tool, no resources, prompts or logging. */
export async function startPassthroughPeer(options: { toolsOnly?: boolean } = {}): Promise<PassthroughPeer> {
  const started = { resolve: () => {} }
  const stats: PassthroughPeerStats = {
    aborted: 0,
    answers: [],
    askCapabilities: [],
    calls: [],
    waitStarted: Promise.resolve(),
    releaseWaits: () => {
      for (const release of releases) release()
      releases.clear()
    },
  }
  const armWait = () => {
    stats.waitStarted = new Promise<void>((resolve) => {
      started.resolve = () => {
        resolve()
        armWait()
      }
    })
  }
  armWait()
  const handler = createMcpHandler(() => buildServer(stats, started, options.toolsOnly ?? false), { legacy: 'stateless' })
  const server = http.createServer(async (req, res) => {
    try {
      await serveWithWebHandler(req, res, 'http://127.0.0.1', (request) => handler.fetch(request))
    } catch (error) {
      reportPeerBug('passthrough-peer', res, error)
    }
  })
  const base = await listenOnLoopback(server)
  return { url: `${base}/mcp`, stats, close: () => closeServer(server) }
}
