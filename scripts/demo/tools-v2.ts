import { McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { DEMO_SERVER_VERSION } from '#scripts/demo/tools.ts'

export const DEMO_V2_SERVER_NAME = 'switchboard-demo-2026'

/** State shared by every request of one v2 demo server (the handler builds a server per request). */
export type DemoV2Context = { nextTicketNumber(): number }

/**
 * A few of the demo tools on the v2 server package, for servers that speak MCP 2026-07-28
 * (createMcpHandler builds one McpServer per request). The v1 demo (tools.ts) keeps the full set.
 */
export function createDemoV2McpServer(context: DemoV2Context): McpServer {
  const server = new McpServer(
    { name: DEMO_V2_SERVER_NAME, title: 'Switchboard demo (MCP 2026-07-28)', version: DEMO_SERVER_VERSION },
    { instructions: 'A demo server that speaks MCP 2026-07-28. Its tools are harmless and keep nothing outside memory.' },
  )
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the message you send, optionally in upper case. Result: text.',
      inputSchema: z.object({
        message: z.string().describe('The text to send back.'),
        uppercase: z.boolean().default(false).describe('Send the message back in upper case.'),
      }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ message, uppercase }) => ({ content: [{ type: 'text', text: uppercase ? message.toUpperCase() : message }] }),
  )
  server.registerTool(
    'add',
    {
      title: 'Add two numbers',
      description: 'Adds a and b. Result: text, plus structured content { sum } described by an output schema.',
      inputSchema: z.object({ a: z.number().describe('The first number.'), b: z.number().describe('The second number.') }),
      outputSchema: z.object({ sum: z.number().describe('a + b') }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: `${a} + ${b} = ${a + b}` }], structuredContent: { sum: a + b } }),
  )
  server.registerTool(
    'fail',
    {
      title: 'Fail on purpose',
      description: 'Always fails, to show how a tool error looks. Result: isError true with a text explanation.',
      inputSchema: z.object({ reason: z.string().optional().describe('A reason to include in the error text.') }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ reason }) => ({
      isError: true,
      content: [{ type: 'text', text: `The fail tool failed on purpose: ${reason ?? 'no reason given'}.` }],
    }),
  )
  server.registerTool(
    'create_ticket',
    {
      title: 'Create a ticket',
      description: 'Creates a ticket in the demo server’s memory (gone when it stops). Result: text.',
      inputSchema: z.object({
        title: z.string().min(3).max(80).describe('A short summary, 3 to 80 characters.'),
        priority: z.enum(['low', 'medium', 'high']).default('medium').describe('How urgent the ticket is.'),
        labels: z.array(z.string().min(1).max(30)).max(10).describe('Labels for the ticket (may be empty).'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ title, priority, labels }) => {
      const id = `DEMO-${context.nextTicketNumber()}`
      const details = [`priority ${priority}`, labels.length > 0 ? `labels ${labels.join(', ')}` : 'no labels']
      return { content: [{ type: 'text', text: `Created ticket ${id} “${title}” (${details.join('; ')}).` }] }
    },
  )
  return server
}
