import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { decryptSecret, encryptSecret } from '#app/utils/crypto.server.ts'
import { createDb } from '#app/utils/db.server.ts'
import type { EncryptionKey } from '#app/utils/env.server.ts'
import { migrateDatabase } from '#app/utils/migrate.server.ts'
import { encryptedColumns, reencryptAll } from '#app/utils/reencrypt.server.ts'
import { committedMigrations, freshDatabaseUrl, hasPostgres, query, writeMigrations } from '#tests/tooling/support/databases.ts'

// The migration that split McpServer (docs/decisions/019-server-split-and-enums.md) on a database
// that holds data: a server with a probe result, a pre-registered client (encrypted secret) and a
// cached discovery, migrated to the migration before it, then to the current one. Everything must
// be found in the new tables, and the enum columns keep their values.

const SPLIT_MIGRATION = '20261204231917_split_server_enums'
const PROVIDERS = ['sqlite', 'postgresql'] as const
const oldKey: EncryptionKey = { id: 'old', key: randomBytes(32) }
const newKey: EncryptionKey = { id: 'new', key: randomBytes(32) }
// The associated data the secret was encrypted with before the split, and still is.
const secretContext = (serverId: string) => ({ table: 'McpServer', column: 'oauthClientSecret', rowId: serverId })

/** The committed migrations of `provider` up to, not including, `stop`. */
function migrationsBefore(provider: (typeof PROVIDERS)[number], stop: string): string {
  const names = committedMigrations(provider)
  expect(names).toContain(stop)
  const before = names.slice(0, names.indexOf(stop))
  return writeMigrations(
    provider,
    Object.fromEntries(before.map((name) => [name, fs.readFileSync(path.join('prisma', 'migrations', provider, name, 'migration.sql'), 'utf8')])),
  )
}

const PROBED_AT = new Date('2026-12-01T10:00:00.000Z')
const EXPIRES_AT = new Date('2026-12-01T10:15:00.000Z')
const CHALLENGE_AT = new Date('2026-12-01T09:59:00.000Z')

for (const provider of PROVIDERS) {
  test.skipIf(provider === 'postgresql' && !hasPostgres)(
    `${provider}: the split copies the probe, the pre-registered client and the discovery cache into their tables`,
    async () => {
      const url = await freshDatabaseUrl(provider)
      await migrateDatabase(url, { migrationsDir: migrationsBefore(provider, SPLIT_MIGRATION) })

      const at = (date: Date) => `'${provider === 'sqlite' ? date.toISOString() : date.toISOString().replace('T', ' ').replace('Z', '')}'`
      const ciphertext = encryptSecret('pre-registered secret', secretContext('s1'), [oldKey])
      const discovery = JSON.stringify({ issuer: 'https://as.example', url: 'https://mcp.example/mcp' })
      const rows = [
        `INSERT INTO "User" ("id", "email", "name", "passwordHash", "updatedAt") VALUES ('u1', 'a@example.com', 'A', 'x', ${at(PROBED_AT)})`,
        `INSERT INTO "Workspace" ("id", "name", "updatedAt") VALUES ('w1', 'W', ${at(PROBED_AT)})`,
        `INSERT INTO "McpServer" ("id", "workspaceId", "name", "url", "authType", "updatedAt",
           "probedAt", "probeOutcome", "probeMessage", "probeTransport", "probeToolCount", "probeServerName",
           "oauthClientId", "oauthClientSecret", "oauthTokenAuthMethod", "oauthScopes", "oauthShared", "oauthExceptions",
           "oauthDiscovery", "oauthDiscoveryExpiresAt", "oauthChallengeMetadataUrl", "oauthChallengeScope", "oauthChallengeAt", "oauthIssuer")
         VALUES ('s1', 'w1', 'Full', 'https://mcp.example/mcp', 'oauth', ${at(PROBED_AT)},
           ${at(PROBED_AT)}, 'oauth', 'Needs OAuth', 'streamable-http', 3, 'Example',
           'client-1', '${ciphertext}', 'client_secret_post', 'files:read', true, 'omit_resource',
           '${discovery}', ${at(EXPIRES_AT)}, 'https://mcp.example/.well-known/oauth-protected-resource', 'files:read', ${at(CHALLENGE_AT)}, 'https://as.example')`,
        // Never probed, nothing set: no row in any of the new tables.
        `INSERT INTO "McpServer" ("id", "workspaceId", "name", "url", "updatedAt") VALUES ('s2', 'w1', 'Bare', 'https://bare.example/mcp', ${at(PROBED_AT)})`,
        `INSERT INTO "OAuthConnection" ("id", "serverId", "userId", "ownerKey", "status", "issuer", "clientKind", "clientId", "configVersion", "updatedAt")
         VALUES ('c1', 's1', 'u1', 'u1', 'needs_reauth', 'https://as.example', 'preregistered', 'client-1', 1, ${at(PROBED_AT)})`,
        `INSERT INTO "OAuthFlow" ("id", "userId", "sessionKey", "serverId", "configVersion", "codeVerifier", "issuer", "requireIss", "metadata",
           "redirectUri", "clientKind", "clientId", "purpose", "returnTo", "expiresAt")
         VALUES ('f1', 'u1', 'k', 's1', 1, 'v', 'https://as.example', false, '{}', 'https://app.example/oauth/callback', 'dynamic', 'dcr-1', 'step_up', '/', ${at(EXPIRES_AT)})`,
        `INSERT INTO "OAuthClientRegistration" ("id", "serverId", "issuer", "redirectUri", "clientId", "tokenEndpointAuthMethod")
         VALUES ('r1', 's1', 'https://as.example', 'https://app.example/oauth/callback', 'dcr-1', 'none')`,
        `INSERT INTO "AuditEvent" ("id", "workspaceId", "event", "outcome") VALUES ('e1', 'w1', 'oauth.connect_failed', 'failure')`,
      ]
      for (const sql of rows) await query(url, sql)

      // The split first; later migrations (none of which touch these rows' meaning) follow it.
      expect((await migrateDatabase(url)).applied[0]).toBe(SPLIT_MIGRATION)

      const db = createDb(url)
      try {
        const servers = await db.mcpServer.findMany({
          orderBy: { id: 'asc' },
          select: { id: true, name: true, authType: true, probe: true, oauthClient: true, discovery: true },
        })
        expect(servers).toEqual([
          {
            id: 's1',
            name: 'Full',
            authType: 'oauth',
            probe: { serverId: 's1', probedAt: PROBED_AT, outcome: 'oauth', message: 'Needs OAuth', transport: 'streamable_http', toolCount: 3, protocolVersion: null, serverName: 'Example' },
            oauthClient: {
              serverId: 's1',
              clientId: 'client-1',
              clientSecret: ciphertext,
              tokenAuthMethod: 'client_secret_post',
              scopes: 'files:read',
              shared: true,
              exceptions: 'omit_resource',
            },
            discovery: {
              serverId: 's1',
              metadata: discovery,
              expiresAt: EXPIRES_AT,
              challengeMetadataUrl: 'https://mcp.example/.well-known/oauth-protected-resource',
              challengeScope: 'files:read',
              challengeAt: CHALLENGE_AT,
              issuer: 'https://as.example',
            },
          },
          { id: 's2', name: 'Bare', authType: 'none', probe: null, oauthClient: null, discovery: null },
        ])
        // The transport keeps its stored spelling (ProbeTransport maps streamable_http to it).
        expect(await query(url, `SELECT "transport" FROM "ServerProbe"`)).toEqual([{ transport: 'streamable-http' }])

        // The enum columns kept every row's value.
        expect(await db.oAuthConnection.findMany({ select: { status: true, clientKind: true } })).toEqual([{ status: 'needs_reauth', clientKind: 'preregistered' }])
        expect(await db.oAuthFlow.findMany({ select: { clientKind: true, purpose: true } })).toEqual([{ clientKind: 'dynamic', purpose: 'step_up' }])
        expect(await db.oAuthClientRegistration.findMany({ select: { tokenEndpointAuthMethod: true } })).toEqual([{ tokenEndpointAuthMethod: 'none' }])
        expect(await db.auditEvent.findMany({ select: { outcome: true } })).toEqual([{ outcome: 'failure' }])

        // The secret still decrypts under its former associated data, and key rotation finds it in its new column.
        expect(decryptSecret(ciphertext, secretContext('s1'), [oldKey])).toEqual({ ok: true, value: 'pre-registered secret' })
        const columns = encryptedColumns.filter((column) => column.table === 'ServerOAuthClient')
        expect(columns).toHaveLength(1)
        const summary = await reencryptAll(db, url, { columns, keys: [newKey, oldKey] })
        expect(summary).toEqual({ scanned: 1, reencrypted: 1, conflicts: 0, failed: [] })
        const rotated = await db.serverOAuthClient.findUniqueOrThrow({ where: { serverId: 's1' }, select: { clientSecret: true } })
        expect(decryptSecret(rotated.clientSecret ?? '', secretContext('s1'), [newKey])).toEqual({ ok: true, value: 'pre-registered secret' })

        // Deleting a server takes its parts along (onDelete: Cascade).
        await db.mcpServer.delete({ where: { id: 's1' } })
        expect([await db.serverProbe.count(), await db.serverOAuthClient.count(), await db.serverOAuthDiscovery.count()]).toEqual([0, 0, 0])
      } finally {
        await db.$disconnect()
      }
    },
    60_000,
  )
}
