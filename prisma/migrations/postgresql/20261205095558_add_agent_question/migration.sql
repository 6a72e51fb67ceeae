-- CreateTable
CREATE TABLE "AgentQuestion" (
    "id" TEXT NOT NULL,
    "sessionIdHash" TEXT NOT NULL,
    "answer" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentQuestion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AgentQuestion_sessionIdHash_idx" ON "AgentQuestion"("sessionIdHash");

-- AddForeignKey
ALTER TABLE "AgentQuestion" ADD CONSTRAINT "AgentQuestion_sessionIdHash_fkey" FOREIGN KEY ("sessionIdHash") REFERENCES "AgentSession"("idHash") ON DELETE CASCADE ON UPDATE CASCADE;
