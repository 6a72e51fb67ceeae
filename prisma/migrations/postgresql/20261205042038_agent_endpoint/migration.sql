-- AlterTable
ALTER TABLE "McpServer" ADD COLUMN     "agentPrefix" TEXT,
ADD COLUMN     "availableToAgents" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "ToolCall" ADD COLUMN     "agentClientId" TEXT,
ADD COLUMN     "agentClientName" TEXT;

-- CreateTable
CREATE TABLE "AgentAuthRecord" (
    "model" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "grantId" TEXT,
    "uid" TEXT,
    "accountId" TEXT,
    "clientId" TEXT,
    "consumedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentAuthRecord_pkey" PRIMARY KEY ("model","keyHash")
);

-- CreateTable
CREATE TABLE "AgentGrant" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientName" TEXT NOT NULL,
    "redirectHost" TEXT NOT NULL,
    "viaMetadataDocument" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "AgentGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentSession" (
    "idHash" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "protocolVersion" TEXT NOT NULL,
    "capabilities" TEXT NOT NULL,
    "clientInfo" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentSession_pkey" PRIMARY KEY ("idHash")
);

-- CreateTable
CREATE TABLE "AgentElicitation" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "sessionIdHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "notifiedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentElicitation_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE UNIQUE INDEX "McpServer_workspaceId_agentPrefix_key" ON "McpServer"("workspaceId", "agentPrefix");

-- AddForeignKey
ALTER TABLE "AgentGrant" ADD CONSTRAINT "AgentGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentGrant" ADD CONSTRAINT "AgentGrant_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentSession" ADD CONSTRAINT "AgentSession_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "AgentGrant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentElicitation" ADD CONSTRAINT "AgentElicitation_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "AgentGrant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentElicitation" ADD CONSTRAINT "AgentElicitation_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
