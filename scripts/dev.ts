// `npm run dev`: the demo MCP servers (so a newcomer can add one right away) and the app
// in development mode, in one process. The app's own SIGTERM/SIGINT handling ends both.
import { startDemoServers } from '#scripts/demo/start.ts'

try {
  const demo = await startDemoServers()
  for (const line of demo.describe()) console.log(line)
} catch (error) {
  // The app is still useful without the demo (e.g. when another dev server holds the ports).
  console.warn(`Demo MCP servers not started: ${error instanceof Error ? error.message : String(error)}`)
}
await import('#app/server/main.ts')
