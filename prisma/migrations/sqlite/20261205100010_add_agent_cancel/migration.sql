-- CreateTable
CREATE TABLE "AgentCancel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionIdHash" TEXT NOT NULL,
    "requestKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "AgentCancel_sessionIdHash_fkey" FOREIGN KEY ("sessionIdHash") REFERENCES "AgentSession" ("idHash") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "AgentCancel_sessionIdHash_requestKey_idx" ON "AgentCancel"("sessionIdHash", "requestKey");
