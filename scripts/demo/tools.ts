import { setTimeout as delay } from 'node:timers/promises'
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { demoDocuments } from '#scripts/demo/documents.ts'
import { encodeSineWav, encodeSolidPng, type Rgb } from '#scripts/demo/media.ts'

export const DEMO_SERVER_NAME = 'switchboard-demo'
export const DEMO_SERVER_VERSION = '1.0.0'

/** How often `slow` reports progress when the caller asked for it (a `progressToken`). */
const SLOW_PROGRESS_STEP_MS = 1000

const swatchColors = { red: [220, 38, 38], green: [22, 163, 74], blue: [37, 99, 235] } as const satisfies Record<
  string,
  Rgb
>

/** State shared by every session of one demo server (each session gets its own McpServer). */
export type DemoServerContext = {
  nextTicketNumber(): number
  toolCallCancelled(toolName: string): void
}

function standaloneContext(): DemoServerContext {
  let tickets = 0
  return { nextTicketNumber: () => ++tickets, toolCallCancelled: () => {} }
}

/** Builds one McpServer with every demo tool and resource; connect it to exactly one transport. */
export function createDemoMcpServer(context: DemoServerContext = standaloneContext()): McpServer {
  const server = new McpServer(
    { name: DEMO_SERVER_NAME, title: 'Switchboard demo', version: DEMO_SERVER_VERSION },
    {
      instructions:
        'A demo server for trying Switchboard. Its tools are harmless, keep nothing outside memory, ' +
        'and each shows one kind of tool result.',
    },
  )

  for (const document of Object.values(demoDocuments)) {
    server.registerResource(
      document.name,
      document.uri,
      { title: document.title, description: document.description, mimeType: document.mimeType },
      (uri) => ({ contents: [{ uri: uri.href, mimeType: document.mimeType, text: document.text }] }),
    )
  }

  // A template: one PNG per colour name, so the Resources page has a form to fill in.
  server.registerResource(
    'swatch',
    new ResourceTemplate('demo://swatch/{color}', {
      list: undefined,
      complete: { color: (value) => Object.keys(swatchColors).filter((name) => name.startsWith(value)) },
    }),
    { title: 'Colour swatch', description: 'A 64×64 PNG of one colour: red, green or blue.', mimeType: 'image/png' },
    (uri, { color }) => {
      const rgb = swatchColors[String(color) as keyof typeof swatchColors]
      if (!rgb) throw new Error(`No swatch named ${String(color)}: use red, green or blue.`)
      return { contents: [{ uri: uri.href, mimeType: 'image/png', blob: encodeSolidPng(64, rgb).toString('base64') }] }
    },
  )

  server.registerPrompt(
    'review_document',
    {
      title: 'Review a document',
      description: 'Asks the model to review one of the demo documents in the tone you choose.',
      argsSchema: {
        document: z.enum(['readme', 'changelog']).describe('Which document: readme or changelog.'),
        tone: z.string().optional().describe('How the review should sound, e.g. “friendly” or “strict”.'),
      },
    },
    ({ document, tone }) => {
      const chosen = demoDocuments[document]
      return {
        description: `Review of ${chosen.title}`,
        messages: [
          { role: 'user', content: { type: 'text', text: `Review this document${tone ? ` in a ${tone} tone` : ''}. List what is unclear.` } },
          { role: 'user', content: { type: 'resource', resource: { uri: chosen.uri, mimeType: chosen.mimeType, text: chosen.text } } },
        ],
      }
    },
  )

  server.registerPrompt('greeting', { title: 'Greeting', description: 'A prompt without arguments.' }, () => ({
    messages: [{ role: 'assistant', content: { type: 'text', text: 'Hello! Which document shall we look at?' } }],
  }))

  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the message you send, optionally in upper case. Result: text.',
      inputSchema: {
        message: z.string().describe('The text to send back.'),
        uppercase: z.boolean().default(false).describe('Send the message back in upper case.'),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ message, uppercase }) => ({
      content: [{ type: 'text', text: uppercase ? message.toUpperCase() : message }],
    }),
  )

  server.registerTool(
    'add',
    {
      title: 'Add two numbers',
      description: 'Adds a and b. Result: text, plus structured content { sum } described by an output schema.',
      inputSchema: {
        a: z.number().describe('The first number.'),
        b: z.number().describe('The second number.'),
      },
      outputSchema: { sum: z.number().describe('a + b') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ a, b }) => {
      const sum = a + b
      return { content: [{ type: 'text', text: `${a} + ${b} = ${sum}` }], structuredContent: { sum } }
    },
  )

  server.registerTool(
    'color_swatch',
    {
      title: 'Colour swatch',
      description: 'Draws a square PNG of one colour. Result: an image (image/png).',
      inputSchema: {
        color: z.enum(['red', 'green', 'blue']).describe('The colour of the swatch.'),
        size: z.int().min(1).max(64).default(16).describe('Width and height in pixels.'),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ color, size }) => ({
      content: [
        { type: 'image', mimeType: 'image/png', data: encodeSolidPng(size, swatchColors[color]).toString('base64') },
      ],
    }),
  )

  server.registerTool(
    'beep',
    {
      title: 'Beep',
      description: 'Makes a sine tone. Result: audio (audio/wav, 8 kHz mono 16-bit PCM).',
      inputSchema: {
        durationMs: z.int().min(50).max(2000).default(300).describe('Length of the tone in milliseconds.'),
        // NOTE: 8 kHz sampling cannot carry tones at or above 4 kHz (Nyquist).
        frequencyHz: z.number().min(20).max(3900).default(440).describe('Pitch in hertz (20 to 3900).'),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ durationMs, frequencyHz }) => ({
      content: [
        { type: 'audio', mimeType: 'audio/wav', data: encodeSineWav(durationMs, frequencyHz).toString('base64') },
      ],
    }),
  )

  server.registerTool(
    'get_document',
    {
      title: 'Get a document',
      description:
        'Returns a document as an embedded resource (text/markdown) and a link to the same resource, ' +
        'which resources/read also serves.',
      inputSchema: { name: z.enum(['readme', 'changelog']).describe('Which document to return.') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ name }) => {
      const document = demoDocuments[name]
      return {
        content: [
          { type: 'resource', resource: { uri: document.uri, mimeType: document.mimeType, text: document.text } },
          {
            type: 'resource_link',
            uri: document.uri,
            name: document.name,
            title: document.title,
            description: document.description,
            mimeType: document.mimeType,
          },
        ],
      }
    },
  )

  server.registerTool(
    'fail',
    {
      title: 'Fail on purpose',
      description: 'Always fails, to show how a tool error looks. Result: isError true with a text explanation.',
      inputSchema: { reason: z.string().optional().describe('A reason to include in the error text.') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ reason }) => ({
      isError: true,
      content: [{ type: 'text', text: `The fail tool failed on purpose: ${reason ?? 'no reason given'}.` }],
    }),
  )

  server.registerTool(
    'slow',
    {
      title: 'Slow',
      description:
        'Waits the given number of milliseconds, then answers. Reports progress when asked; cancelling ' +
        'the call stops it. Result: text.',
      inputSchema: { ms: z.int().min(0).max(60_000).default(1000).describe('How long to wait, in milliseconds.') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ ms }, extra) => {
      const progressToken = extra._meta?.progressToken
      try {
        for (let waited = 0; waited < ms; ) {
          const step = Math.min(SLOW_PROGRESS_STEP_MS, ms - waited)
          await delay(step, undefined, { signal: extra.signal })
          waited += step
          if (progressToken !== undefined && waited < ms) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken, progress: waited, total: ms, message: `Waited ${waited} of ${ms} ms` },
            })
          }
        }
      } catch (error) {
        if (extra.signal.aborted) context.toolCallCancelled('slow')
        throw error
      }
      return { content: [{ type: 'text', text: `Waited ${ms} ms.` }] }
    },
  )

  server.registerTool(
    'tag_stats',
    {
      title: 'Tag statistics',
      description:
        'Counts tags and sums their weights (1 each when weights are left out). ' +
        'Result: text, plus structured content described by an output schema.',
      inputSchema: {
        tags: z.array(z.string().min(1)).max(100).describe('Tags to count; repeats are counted.'),
        weights: z
          .array(z.number())
          .max(100)
          .optional()
          .describe('One weight per tag, in the same order as tags.'),
      },
      outputSchema: {
        total: z.int().describe('How many tags were given.'),
        distinct: z.int().describe('How many different tags were given.'),
        totalWeight: z.number(),
        tags: z
          .array(z.object({ tag: z.string(), count: z.int(), weight: z.number() }))
          .describe('One entry per distinct tag, heaviest first.'),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ tags, weights }) => {
      if (weights && weights.length !== tags.length) {
        return {
          isError: true,
          content: [
            {
              type: 'text',
              text: `Give one weight per tag: got ${tags.length} tag(s) and ${weights.length} weight(s).`,
            },
          ],
        }
      }
      const byTag = new Map<string, { tag: string; count: number; weight: number }>()
      tags.forEach((tag, index) => {
        const entry = byTag.get(tag) ?? { tag, count: 0, weight: 0 }
        entry.count += 1
        entry.weight += weights?.[index] ?? 1
        byTag.set(tag, entry)
      })
      const sorted = [...byTag.values()].sort((x, y) => y.weight - x.weight || x.tag.localeCompare(y.tag))
      const totalWeight = sorted.reduce((sum, entry) => sum + entry.weight, 0)
      const lines = sorted.map((entry) => `${entry.tag}: ${entry.count}× (weight ${entry.weight})`)
      return {
        content: [
          {
            type: 'text',
            text: [`${tags.length} tag(s), ${sorted.length} distinct, total weight ${totalWeight}.`, ...lines].join(
              '\n',
            ),
          },
        ],
        structuredContent: { total: tags.length, distinct: sorted.length, totalWeight, tags: sorted },
      }
    },
  )

  server.registerTool(
    'create_ticket',
    {
      title: 'Create a ticket',
      description:
        'Creates a ticket in the demo server’s memory (gone when it stops). The metadata argument is a nested ' +
        'object, so a form shows it as a JSON field. Result: text.',
      inputSchema: {
        title: z.string().min(3).max(80).describe('A short summary, 3 to 80 characters.'),
        priority: z.enum(['low', 'medium', 'high']).default('medium').describe('How urgent the ticket is.'),
        labels: z.array(z.string().min(1).max(30)).max(10).describe('Labels for the ticket (may be empty).'),
        dueDate: z.iso.date().optional().describe('When it is due, as YYYY-MM-DD.'),
        metadata: z
          .object({
            reporter: z.object({
              name: z.string().min(1).describe('Who reported it.'),
              email: z.email().optional().describe('How to reach them.'),
            }),
            source: z.enum(['web', 'email', 'phone']).optional().describe('Where the report came from.'),
          })
          .optional()
          .describe('Extra details as a JSON object, e.g. {"reporter": {"name": "Ada"}, "source": "email"}.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ title, priority, labels, dueDate, metadata }) => {
      const id = `DEMO-${context.nextTicketNumber()}`
      const details = [
        `priority ${priority}`,
        labels.length > 0 ? `labels ${labels.join(', ')}` : 'no labels',
        dueDate ? `due ${dueDate}` : 'no due date',
        metadata && `reported by ${metadata.reporter.name}${metadata.source ? ` via ${metadata.source}` : ''}`,
      ].filter(Boolean)
      return { content: [{ type: 'text', text: `Created ticket ${id} “${title}” (${details.join('; ')}).` }] }
    },
  )

  return server
}
