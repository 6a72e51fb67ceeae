// `refresh_stampede_token_requests` as the issue defines it: 50 concurrent tool calls with an
// expired access token across 2 app instances on one PostgreSQL database. Run by bench/run.ts
// as its own process with DATABASE_URL pointing at a fresh PostgreSQL database; prints one
// JSON line.
import { migrateDatabase } from '#app/utils/migrate.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { connectForBench, createOAuthServer } from '#bench/oauth.ts'
import { startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { startAppInstance } from '#tests/multi-instance/instances.ts'

const CALLS_PER_INSTANCE = 25

await migrateDatabase(process.env.DATABASE_URL ?? '')
const peer = await startSdkAuthServer()
try {
  const { userId, workspaceId, serverId } = await createOAuthServer(peer, 'PgStampede')
  await connectForBench(serverId, workspaceId, userId)
  // Expired: every call wants a refresh.
  await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  const before = peer.stats.tokenRequests.refresh_token ?? 0
  const instances = await Promise.all([startAppInstance('a'), startAppInstance('b')])
  try {
    const replies = await Promise.all(
      instances.map((instance, index) =>
        instance.send({ type: 'calls', workspaceId, serverId, userId, count: CALLS_PER_INSTANCE, label: `instance ${index}` }),
      ),
    )
    const outcomes = replies.flatMap((reply) => (reply.type === 'calls' ? reply.outcomes : ['no reply']))
    console.log(
      JSON.stringify({
        tokenRequests: (peer.stats.tokenRequests.refresh_token ?? 0) - before,
        calls: outcomes.length,
        failures: outcomes.filter((outcome) => outcome !== 'ok').length,
      }),
    )
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()))
  }
} finally {
  await peer.close()
  await getDb().$disconnect()
}
