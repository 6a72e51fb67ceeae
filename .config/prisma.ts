import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'prisma/config'

// NOTE: Prisma resolves relative paths against this file's folder (.config/), so build
// absolute ones from the repository root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const url = absoluteSqliteUrl(process.env.DATABASE_URL ?? 'file:./data/switchboard.db')
const provider = /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite'
// Prisma's CLI wants a native schema engine it cannot download here; this Node script
// answers its protocol with the wasm engine from npm (docs/decisions/003-prisma-offline.md).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'scripts/prisma/schema-engine.mjs')

/**
 * The app resolves a relative `file:` URL against its working directory (the repository root);
 * the engine would resolve it against .config/. Make it absolute so both mean the same file.
 */
function absoluteSqliteUrl(value: string): string {
  const match = /^file:(?!\/\/)([^?]*)(\?.*)?$/.exec(value)
  if (!match?.[1] || match[1] === ':memory:' || path.isAbsolute(match[1])) return value
  return `file:${path.resolve(match[1])}${match[2] ?? ''}`
}

export default defineConfig({
  schema: path.join(root, 'prisma', provider),
  migrations: { path: path.join(root, 'prisma', 'migrations', provider) },
  datasource: { url },
})
