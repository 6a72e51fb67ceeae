// The two documents the demo server serves as resources and returns from `get_document`.

export type DemoDocument = {
  name: 'readme' | 'changelog'
  uri: string
  title: string
  description: string
  mimeType: 'text/markdown'
  text: string
}

export const demoDocuments = {
  readme: {
    name: 'readme',
    uri: 'demo://docs/readme.md',
    title: 'Demo server README',
    description: 'What the Switchboard demo MCP server is and which tools it offers.',
    mimeType: 'text/markdown',
    text: `# Switchboard demo MCP server

A small MCP server that runs next to Switchboard so you can add a server and run a tool
without signing up anywhere. Its tools show every kind of result a tool can return:

| Tool | Result |
| --- | --- |
| \`echo\` | text |
| \`add\` | text plus structured content (with an output schema) |
| \`color_swatch\` | a PNG image |
| \`beep\` | a WAV sound |
| \`get_document\` | an embedded resource and a link to a resource |
| \`fail\` | an error result (\`isError: true\`) |
| \`slow\` | text, after a delay you choose (cancel it to see cancellation) |
| \`tag_stats\` | text plus structured content |
| \`create_ticket\` | text; its \`metadata\` argument is a nested object, entered as JSON |

Everything lives in memory and is gone when the server stops.
`,
  },
  changelog: {
    name: 'changelog',
    uri: 'demo://docs/changelog.md',
    title: 'Demo server changelog',
    description: 'Changes to the Switchboard demo MCP server.',
    mimeType: 'text/markdown',
    text: `# Changelog

## 1.0.0

- Tools: echo, add, color_swatch, beep, get_document, fail, slow, tag_stats, create_ticket.
- Resources: this changelog and the README.
- Transports: Streamable HTTP (with sessions) and the legacy HTTP+SSE transport.
- Optional API key in the \`X-Api-Key\` header.
`,
  },
} as const satisfies Record<DemoDocument['name'], DemoDocument>
