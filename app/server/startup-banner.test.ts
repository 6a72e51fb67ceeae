import { expect, test } from 'vitest'
import { setStartupNotes, startupBanner } from '#app/server/startup-banner.ts'

test('the banner puts the URL to open on a line of its own, the demo servers under it', () => {
  setStartupNotes(['Demo MCP server (open):    http://127.0.0.1:3101/mcp'])
  const lines = startupBanner('http://127.0.0.1:3000').split('\n')
  expect(lines).toContain('  Switchboard is running: open http://127.0.0.1:3000 in your browser')
  expect(lines).toContain('    Demo MCP server (open):    http://127.0.0.1:3101/mcp')
  // Plain text for a person, not a JSON log line.
  expect(lines.some((line) => line.trimStart().startsWith('{'))).toBe(false)
})
