-- AlterTable
ALTER TABLE "McpServer" ADD COLUMN     "toolPolicyVersion" INTEGER NOT NULL DEFAULT 0;
