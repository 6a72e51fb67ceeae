-- CreateEnum
CREATE TYPE "ProbeOutcome" AS ENUM ('open', 'oauth', 'headers_required', 'credentials_required', 'forbidden', 'not_mcp', 'timeout', 'blocked', 'dns_failure', 'connect_refused', 'tls_error', 'too_large', 'network', 'server_error', 'protocol_error');

-- CreateEnum
CREATE TYPE "ProbeTransport" AS ENUM ('streamable-http', 'sse');

-- CreateEnum
CREATE TYPE "TokenAuthMethod" AS ENUM ('client_secret_basic', 'client_secret_post', 'none');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('success', 'failure');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('connected', 'needs_reauth', 'error');

-- CreateEnum
CREATE TYPE "ClientKind" AS ENUM ('preregistered', 'metadata_document', 'dynamic');

-- CreateEnum
CREATE TYPE "FlowPurpose" AS ENUM ('connect', 'step_up');

-- AlterTable: closed sets become enums in place, every row keeps its value (same spellings).
-- (Prisma's diff drops and re-adds the columns, which would lose them.)
ALTER TABLE "AuditEvent" ALTER COLUMN "outcome" DROP DEFAULT,
ALTER COLUMN "outcome" TYPE "AuditOutcome" USING "outcome"::"AuditOutcome",
ALTER COLUMN "outcome" SET DEFAULT 'success';

-- AlterTable
ALTER TABLE "OAuthClientRegistration" ALTER COLUMN "tokenEndpointAuthMethod" TYPE "TokenAuthMethod" USING "tokenEndpointAuthMethod"::"TokenAuthMethod";

-- AlterTable
ALTER TABLE "OAuthConnection" ALTER COLUMN "status" TYPE "ConnectionStatus" USING "status"::"ConnectionStatus",
ALTER COLUMN "clientKind" TYPE "ClientKind" USING "clientKind"::"ClientKind";

-- AlterTable
ALTER TABLE "OAuthFlow" ALTER COLUMN "clientKind" TYPE "ClientKind" USING "clientKind"::"ClientKind",
ALTER COLUMN "purpose" DROP DEFAULT,
ALTER COLUMN "purpose" TYPE "FlowPurpose" USING "purpose"::"FlowPurpose",
ALTER COLUMN "purpose" SET DEFAULT 'connect';

-- CreateTable
CREATE TABLE "ServerProbe" (
    "serverId" TEXT NOT NULL,
    "probedAt" TIMESTAMP(3) NOT NULL,
    "outcome" "ProbeOutcome" NOT NULL,
    "message" TEXT NOT NULL,
    "transport" "ProbeTransport",
    "toolCount" INTEGER,
    "serverName" TEXT,

    CONSTRAINT "ServerProbe_pkey" PRIMARY KEY ("serverId")
);

-- CreateTable
CREATE TABLE "ServerOAuthClient" (
    "serverId" TEXT NOT NULL,
    "clientId" TEXT,
    "clientSecret" TEXT,
    "tokenAuthMethod" "TokenAuthMethod",
    "scopes" TEXT,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "exceptions" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ServerOAuthClient_pkey" PRIMARY KEY ("serverId")
);

-- CreateTable
CREATE TABLE "ServerOAuthDiscovery" (
    "serverId" TEXT NOT NULL,
    "metadata" TEXT,
    "expiresAt" TIMESTAMP(3),
    "challengeMetadataUrl" TEXT,
    "challengeScope" TEXT,
    "challengeAt" TIMESTAMP(3),
    "issuer" TEXT,

    CONSTRAINT "ServerOAuthDiscovery_pkey" PRIMARY KEY ("serverId")
);

-- CopyData: the McpServer columns move to the new tables (a row only where something is stored)
-- before they are dropped. A probe result of an unknown outcome is not copied: it is a cache
-- the next probe rebuilds. The client secret keeps its ciphertext (and its associated data).
INSERT INTO "ServerProbe" ("serverId", "probedAt", "outcome", "message", "transport", "toolCount", "serverName")
SELECT "id", "probedAt", "probeOutcome"::"ProbeOutcome", COALESCE("probeMessage", ''),
       CASE WHEN "probeTransport" IN ('streamable-http', 'sse') THEN "probeTransport"::"ProbeTransport" END,
       "probeToolCount", "probeServerName"
FROM "McpServer"
WHERE "probedAt" IS NOT NULL AND "probeOutcome" IN ('open', 'oauth', 'headers_required', 'credentials_required', 'forbidden', 'not_mcp', 'timeout', 'blocked', 'dns_failure', 'connect_refused', 'tls_error', 'too_large', 'network', 'server_error', 'protocol_error');

INSERT INTO "ServerOAuthClient" ("serverId", "clientId", "clientSecret", "tokenAuthMethod", "scopes", "shared", "exceptions")
SELECT "id", "oauthClientId", "oauthClientSecret", "oauthTokenAuthMethod"::"TokenAuthMethod", "oauthScopes", "oauthShared", "oauthExceptions"
FROM "McpServer"
WHERE "oauthClientId" IS NOT NULL OR "oauthClientSecret" IS NOT NULL OR "oauthTokenAuthMethod" IS NOT NULL
   OR "oauthScopes" IS NOT NULL OR "oauthShared" = true OR "oauthExceptions" <> '';

INSERT INTO "ServerOAuthDiscovery" ("serverId", "metadata", "expiresAt", "challengeMetadataUrl", "challengeScope", "challengeAt", "issuer")
SELECT "id", "oauthDiscovery", "oauthDiscoveryExpiresAt", "oauthChallengeMetadataUrl", "oauthChallengeScope", "oauthChallengeAt", "oauthIssuer"
FROM "McpServer"
WHERE "oauthDiscovery" IS NOT NULL OR "oauthDiscoveryExpiresAt" IS NOT NULL OR "oauthChallengeMetadataUrl" IS NOT NULL
   OR "oauthChallengeScope" IS NOT NULL OR "oauthChallengeAt" IS NOT NULL OR "oauthIssuer" IS NOT NULL;

-- AlterTable
ALTER TABLE "McpServer" DROP COLUMN "oauthChallengeAt",
DROP COLUMN "oauthChallengeMetadataUrl",
DROP COLUMN "oauthChallengeScope",
DROP COLUMN "oauthClientId",
DROP COLUMN "oauthClientSecret",
DROP COLUMN "oauthDiscovery",
DROP COLUMN "oauthDiscoveryExpiresAt",
DROP COLUMN "oauthExceptions",
DROP COLUMN "oauthIssuer",
DROP COLUMN "oauthScopes",
DROP COLUMN "oauthShared",
DROP COLUMN "oauthTokenAuthMethod",
DROP COLUMN "probeMessage",
DROP COLUMN "probeOutcome",
DROP COLUMN "probeServerName",
DROP COLUMN "probeToolCount",
DROP COLUMN "probeTransport",
DROP COLUMN "probedAt";

-- AddForeignKey
ALTER TABLE "ServerProbe" ADD CONSTRAINT "ServerProbe_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServerOAuthClient" ADD CONSTRAINT "ServerOAuthClient_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServerOAuthDiscovery" ADD CONSTRAINT "ServerOAuthDiscovery_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
