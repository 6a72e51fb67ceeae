-- AlterTable
ALTER TABLE "McpServer" ADD COLUMN     "oauthChallengeAt" TIMESTAMP(3),
ADD COLUMN     "oauthChallengeMetadataUrl" TEXT,
ADD COLUMN     "oauthChallengeScope" TEXT,
ADD COLUMN     "oauthIssuer" TEXT;

-- AlterTable
ALTER TABLE "PendingToolCall" ADD COLUMN     "requestedScopes" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "rounds" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Throttle" ADD COLUMN     "lastEventAt" TIMESTAMP(3);
