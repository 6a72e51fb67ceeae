-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "issuer" TEXT,
ADD COLUMN     "scopes" TEXT;

-- AlterTable
ALTER TABLE "McpServer" ADD COLUMN     "oauthClientId" TEXT,
ADD COLUMN     "oauthClientSecret" TEXT,
ADD COLUMN     "oauthDiscovery" TEXT,
ADD COLUMN     "oauthDiscoveryExpiresAt" TIMESTAMP(3),
ADD COLUMN     "oauthExceptions" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "oauthScopes" TEXT,
ADD COLUMN     "oauthShared" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "oauthTokenAuthMethod" TEXT;

-- CreateTable
CREATE TABLE "OAuthConnection" (
    "id" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "userId" TEXT,
    "ownerKey" TEXT NOT NULL,
    "connectedById" TEXT,
    "status" TEXT NOT NULL,
    "lastError" TEXT,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "expiresAt" TIMESTAMP(3),
    "scopes" TEXT NOT NULL DEFAULT '',
    "issuer" TEXT NOT NULL,
    "clientKind" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "configVersion" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "refreshLeaseUntil" TIMESTAMP(3),
    "connectedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refreshedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OAuthConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OAuthFlow" (
    "id" TEXT NOT NULL,
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
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthFlow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OAuthClientRegistration" (
    "id" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientSecret" TEXT,
    "tokenEndpointAuthMethod" TEXT NOT NULL,
    "clientSecretExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthClientRegistration_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "OAuthConnection" ADD CONSTRAINT "OAuthConnection_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OAuthConnection" ADD CONSTRAINT "OAuthConnection_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OAuthConnection" ADD CONSTRAINT "OAuthConnection_connectedById_fkey" FOREIGN KEY ("connectedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OAuthFlow" ADD CONSTRAINT "OAuthFlow_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OAuthFlow" ADD CONSTRAINT "OAuthFlow_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OAuthClientRegistration" ADD CONSTRAINT "OAuthClientRegistration_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
