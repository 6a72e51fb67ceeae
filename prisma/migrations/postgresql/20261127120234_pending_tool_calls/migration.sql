-- CreateTable
CREATE TABLE "PendingToolCall" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "arguments" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PendingToolCall_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PendingToolCall_expiresAt_idx" ON "PendingToolCall"("expiresAt");

-- AddForeignKey
ALTER TABLE "PendingToolCall" ADD CONSTRAINT "PendingToolCall_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingToolCall" ADD CONSTRAINT "PendingToolCall_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
