-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "issuer" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "scopes" TEXT;

-- CreateTable
CREATE TABLE "OAuthConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "serverId" TEXT NOT NULL,
    "userId" TEXT,
    "ownerKey" TEXT NOT NULL,
    "connectedById" TEXT,
    "status" TEXT NOT NULL,
    "lastError" TEXT,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "expiresAt" DATETIME,
    "scopes" TEXT NOT NULL DEFAULT '',
    "issuer" TEXT NOT NULL,
    "clientKind" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "configVersion" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "refreshLeaseUntil" DATETIME,
    "connectedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refreshedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "OAuthConnection_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OAuthConnection_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OAuthConnection_connectedById_fkey" FOREIGN KEY ("connectedById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OAuthFlow" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "sessionKey" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "configVersion" INTEGER NOT NULL,
    "codeVerifier" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "requireIss" BOOLEAN NOT NULL,
    "metadata" TEXT NOT NULL,
    "resource" TEXT,
    "redirectUri" TEXT NOT NULL,
    "clientKind" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "scopes" TEXT NOT NULL DEFAULT '',
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "purpose" TEXT NOT NULL DEFAULT 'connect',
    "returnTo" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OAuthFlow_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OAuthFlow_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OAuthClientRegistration" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "serverId" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientSecret" TEXT,
    "tokenEndpointAuthMethod" TEXT NOT NULL,
    "clientSecretExpiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OAuthClientRegistration_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

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
    "probedAt" DATETIME,
    "probeOutcome" TEXT,
    "probeMessage" TEXT,
    "probeTransport" TEXT,
    "probeToolCount" INTEGER,
    "probeServerName" TEXT,
    "oauthClientId" TEXT,
    "oauthClientSecret" TEXT,
    "oauthTokenAuthMethod" TEXT,
    "oauthScopes" TEXT,
    "oauthShared" BOOLEAN NOT NULL DEFAULT false,
    "oauthExceptions" TEXT NOT NULL DEFAULT '',
    "oauthDiscovery" TEXT,
    "oauthDiscoveryExpiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "McpServer_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "McpServer_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_McpServer" ("authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "probeMessage", "probeOutcome", "probeServerName", "probeToolCount", "probeTransport", "probedAt", "timeoutMs", "transport", "updatedAt", "url", "workspaceId") SELECT "authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "probeMessage", "probeOutcome", "probeServerName", "probeToolCount", "probeTransport", "probedAt", "timeoutMs", "transport", "updatedAt", "url", "workspaceId" FROM "McpServer";
DROP TABLE "McpServer";
ALTER TABLE "new_McpServer" RENAME TO "McpServer";
CREATE UNIQUE INDEX "McpServer_workspaceId_name_key" ON "McpServer"("workspaceId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "OAuthConnection_userId_idx" ON "OAuthConnection"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "OAuthConnection_serverId_ownerKey_key" ON "OAuthConnection"("serverId", "ownerKey");

-- CreateIndex
CREATE INDEX "OAuthFlow_expiresAt_idx" ON "OAuthFlow"("expiresAt");

-- CreateIndex
CREATE INDEX "OAuthFlow_userId_idx" ON "OAuthFlow"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "OAuthClientRegistration_serverId_issuer_redirectUri_key" ON "OAuthClientRegistration"("serverId", "issuer", "redirectUri");
