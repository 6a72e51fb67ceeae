-- AlterTable
ALTER TABLE "McpServer" ADD COLUMN "oauthChallengeAt" DATETIME;
ALTER TABLE "McpServer" ADD COLUMN "oauthChallengeMetadataUrl" TEXT;
ALTER TABLE "McpServer" ADD COLUMN "oauthChallengeScope" TEXT;
ALTER TABLE "McpServer" ADD COLUMN "oauthIssuer" TEXT;

-- AlterTable
ALTER TABLE "Throttle" ADD COLUMN "lastEventAt" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_PendingToolCall" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "arguments" TEXT NOT NULL,
    "rounds" INTEGER NOT NULL DEFAULT 0,
    "requestedScopes" TEXT NOT NULL DEFAULT '',
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PendingToolCall_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PendingToolCall_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_PendingToolCall" ("arguments", "createdAt", "expiresAt", "id", "serverId", "toolName", "userId") SELECT "arguments", "createdAt", "expiresAt", "id", "serverId", "toolName", "userId" FROM "PendingToolCall";
DROP TABLE "PendingToolCall";
ALTER TABLE "new_PendingToolCall" RENAME TO "PendingToolCall";
CREATE INDEX "PendingToolCall_expiresAt_idx" ON "PendingToolCall"("expiresAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
