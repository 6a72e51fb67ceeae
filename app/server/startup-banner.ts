/*
 * The plain lines `npm run dev` prints once the app listens: the URL to open, then the demo servers to add.
 * scripts/dev.ts hands over the demo's lines before it starts the app; app/server/main.ts prints the banner.
 * Plain text on stdout on purpose: it is for the person at the terminal, not for a log collector.
 */

let notes: string[] = []

/** Lines printed under the app's URL at start (the demo MCP servers, from scripts/dev.ts). */
export function setStartupNotes(lines: string[]): void {
  notes = [...lines]
}

/** The banner for `url`: the app's address on a line of its own, then the notes, indented. */
export function startupBanner(url: string): string {
  const lines = ['', `  Switchboard is running: open ${url} in your browser`, '']
  if (notes.length > 0) lines.push('  Demo MCP servers to add:', ...notes.map((note) => `    ${note}`), '')
  return `${lines.join('\n')}\n`
}
