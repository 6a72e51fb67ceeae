-- AlterTable
ALTER TABLE "ToolCall" ADD COLUMN "agentClientId" TEXT;
ALTER TABLE "ToolCall" ADD COLUMN "agentClientName" TEXT;

-- CreateTable
CREATE TABLE "AgentAuthRecord" (
    "model" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "grantId" TEXT,
    "uid" TEXT,
    "accountId" TEXT,
    "clientId" TEXT,
    "consumedAt" DATETIME,
    "expiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("model", "keyHash")
);

-- CreateTable
CREATE TABLE "AgentGrant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientName" TEXT NOT NULL,
    "redirectHost" TEXT NOT NULL,
    "viaMetadataDocument" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    CONSTRAINT "AgentGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AgentGrant_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AgentSession" (
    "idHash" TEXT NOT NULL PRIMARY KEY,
    "grantId" TEXT NOT NULL,
    "protocolVersion" TEXT NOT NULL,
    "capabilities" TEXT NOT NULL,
    "clientInfo" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "AgentSession_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "AgentGrant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AgentElicitation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "sessionIdHash" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    "notifiedAt" DATETIME,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "AgentElicitation_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "AgentGrant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AgentElicitation_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "toolPolicyVersion" INTEGER NOT NULL DEFAULT 0,
    "availableToAgents" BOOLEAN NOT NULL DEFAULT true,
    "agentPrefix" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "McpServer_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "McpServer_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_McpServer" ("authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "timeoutMs", "toolPolicyVersion", "transport", "updatedAt", "url", "workspaceId") SELECT "authType", "authTypeLocked", "configVersion", "createdAt", "createdById", "enabled", "id", "name", "timeoutMs", "toolPolicyVersion", "transport", "updatedAt", "url", "workspaceId" FROM "McpServer";
DROP TABLE "McpServer";
ALTER TABLE "new_McpServer" RENAME TO "McpServer";
CREATE UNIQUE INDEX "McpServer_workspaceId_name_key" ON "McpServer"("workspaceId", "name");
CREATE UNIQUE INDEX "McpServer_workspaceId_agentPrefix_key" ON "McpServer"("workspaceId", "agentPrefix");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AgentAuthRecord_grantId_idx" ON "AgentAuthRecord"("grantId");

-- CreateIndex
CREATE INDEX "AgentAuthRecord_uid_idx" ON "AgentAuthRecord"("uid");

-- CreateIndex
CREATE INDEX "AgentAuthRecord_expiresAt_idx" ON "AgentAuthRecord"("expiresAt");

-- CreateIndex
CREATE INDEX "AgentGrant_userId_createdAt_idx" ON "AgentGrant"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "AgentGrant_workspaceId_createdAt_idx" ON "AgentGrant"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "AgentSession_grantId_idx" ON "AgentSession"("grantId");

-- CreateIndex
CREATE INDEX "AgentSession_expiresAt_idx" ON "AgentSession"("expiresAt");

-- CreateIndex
CREATE INDEX "AgentElicitation_userId_serverId_idx" ON "AgentElicitation"("userId", "serverId");

-- CreateIndex
CREATE INDEX "AgentElicitation_sessionIdHash_idx" ON "AgentElicitation"("sessionIdHash");

-- CreateIndex
CREATE INDEX "AgentElicitation_expiresAt_idx" ON "AgentElicitation"("expiresAt");
