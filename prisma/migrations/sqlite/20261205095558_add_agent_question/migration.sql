-- CreateTable
CREATE TABLE "AgentQuestion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionIdHash" TEXT NOT NULL,
    "answer" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "AgentQuestion_sessionIdHash_fkey" FOREIGN KEY ("sessionIdHash") REFERENCES "AgentSession" ("idHash") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "AgentQuestion_sessionIdHash_idx" ON "AgentQuestion"("sessionIdHash");
