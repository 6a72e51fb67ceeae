import { getDb } from '#app/utils/db.server.ts'
import { logger } from '#app/utils/logger.server.ts'

// Public on purpose: load balancers call it without a session. It reveals nothing but up/down.
export async function loader() {
  try {
    await getDb().$queryRawUnsafe('SELECT 1')
    return new Response('ok\n', { headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' } })
  } catch (error) {
    logger.error({ err: error }, 'health check: database unreachable')
    return new Response('database unreachable\n', {
      status: 503,
      headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' },
    })
  }
}
