-- CreateTable
CREATE TABLE "AgentCancel" (
    "id" TEXT NOT NULL,
    "sessionIdHash" TEXT NOT NULL,
    "requestKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentCancel_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AgentCancel_sessionIdHash_requestKey_idx" ON "AgentCancel"("sessionIdHash", "requestKey");

-- AddForeignKey
ALTER TABLE "AgentCancel" ADD CONSTRAINT "AgentCancel_sessionIdHash_fkey" FOREIGN KEY ("sessionIdHash") REFERENCES "AgentSession"("idHash") ON DELETE CASCADE ON UPDATE CASCADE;
