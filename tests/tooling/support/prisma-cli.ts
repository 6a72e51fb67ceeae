import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'

const PRISMA_BIN = createRequire(import.meta.url).resolve('prisma/build/index.js')

export type CliResult = { code: number; stdout: string; stderr: string }

/**
 * Runs the real Prisma CLI (which .config/prisma.ts points at the offline schema-engine shim)
 * with DATABASE_URL set. Resolves with the exit code instead of rejecting.
 */
export function prisma(args: string[], databaseUrl: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PRISMA_BIN, ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}
