-- CreateTable
CREATE TABLE "ServerProbe" (
    "serverId" TEXT NOT NULL PRIMARY KEY,
    "probedAt" DATETIME NOT NULL,
    "outcome" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "transport" TEXT,
    "toolCount" INTEGER,
    "serverName" TEXT,
    CONSTRAINT "ServerProbe_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServerOAuthClient" (
    "serverId" TEXT NOT NULL PRIMARY KEY,
    "clientId" TEXT,
    "clientSecret" TEXT,
    "tokenAuthMethod" TEXT,
    "scopes" TEXT,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "exceptions" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "ServerOAuthClient_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServerOAuthDiscovery" (
    "serverId" TEXT NOT NULL PRIMARY KEY,
    "metadata" TEXT,
    "expiresAt" DATETIME,
    "challengeMetadataUrl" TEXT,
    "challengeScope" TEXT,
    "challengeAt" DATETIME,
    "issuer" TEXT,
    CONSTRAINT "ServerOAuthDiscovery_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CopyData: the McpServer columns move to the new tables (a row only where something is stored)
-- before the table is redefined without them. A probe result of an unknown outcome is not copied:
-- it is a cache the next probe rebuilds. The client secret keeps its ciphertext (and its associated
-- data). The enum columns of other tables are TEXT on SQLite already: their rows stay as they are.
INSERT INTO "ServerProbe" ("serverId", "probedAt", "outcome", "message", "transport", "toolCount", "serverName")
SELECT "id", "probedAt", "probeOutcome", COALESCE("probeMessage", ''),
       CASE WHEN "probeTransport" IN ('streamable-http', 'sse') THEN "probeTransport" END,
       "probeToolCount", "probeServerName"
FROM "McpServer"
WHERE "probedAt" IS NOT NULL AND "probeOutcome" IN ('open', 'oauth', 'headers_required', 'credentials_required', 'forbidden', 'not_mcp', 'timeout', 'blocked', 'dns_failure', 'connect_refused', 'tls_error', 'too_large', 'network', 'server_error', 'protocol_error');

INSERT INTO "ServerOAuthClient" ("serverId", "clientId", "clientSecret", "tokenAuthMethod", "scopes", "shared", "exceptions")
SELECT "id", "oauthClientId", "oauthClientSecret", "oauthTokenAuthMethod", "oauthScopes", "oauthShared", "oauthExceptions"
FROM "McpServer"
WHERE "oauthClientId" IS NOT NULL OR "oauthClientSecret" IS NOT NULL OR "oauthTokenAuthMethod" IS NOT NULL
   OR "oauthScopes" IS NOT NULL OR "oauthShared" = true OR "oauthExceptions" <> '';

INSERT INTO "ServerOAuthDiscovery" ("serverId", "metadata", "expiresAt", "challengeMetadataUrl", "challengeScope", "challengeAt", "issuer")
SELECT "id", "oauthDiscovery", "oauthDiscoveryExpiresAt", "oauthChallengeMetadataUrl", "oauthChallengeScope", "oauthChallengeAt", "oauthIssuer"
FROM "McpServer"
WHERE "oauthDiscovery" IS NOT NULL OR "oauthDiscoveryExpiresAt" IS NOT NULL OR "oauthChallengeMetadataUrl" IS NOT NULL
   OR "oauthChallengeScope" IS NOT NULL OR "oauthChallengeAt" IS NOT NULL OR "oauthIssuer" IS NOT NULL;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_McpServer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "transport" TEXT NOT NULL DEFAULT 'auto',
    "authType" TEXT NOT NULL DEFAULT 'none',
    "authTypeLocked" BOOLEAN NOT NULL DEFAULT false,
    "timeoutMs" INTEGER NOT NULL DEFAULT 30000,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT,
    "configVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "McpServer_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "McpServer_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_McpServer" ("authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "timeoutMs", "transport", "updatedAt", "url", "workspaceId") SELECT "authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "timeoutMs", "transport", "updatedAt", "url", "workspaceId" FROM "McpServer";
DROP TABLE "McpServer";
ALTER TABLE "new_McpServer" RENAME TO "McpServer";
CREATE UNIQUE INDEX "McpServer_workspaceId_name_key" ON "McpServer"("workspaceId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
