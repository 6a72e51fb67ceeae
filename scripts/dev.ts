// `npm run dev`: the demo MCP servers (so a newcomer can add one right away) and the app
// in development mode, in one process. The app's own SIGTERM/SIGINT handling ends both.
import { setStartupNotes } from '#app/server/startup-banner.ts'
import { startDemoServers } from '#scripts/demo/start.ts'

try {
  const demo = await startDemoServers()
  // Printed by the app under its own URL once it listens, after the migration and Vite lines.
  setStartupNotes(demo.describe())
} catch (error) {
  // The app is still useful without the demo (e.g. when another dev server holds the ports).
  console.warn(`Demo MCP servers not started: ${error instanceof Error ? error.message : String(error)}`)
}
await import('#app/server/main.ts')
