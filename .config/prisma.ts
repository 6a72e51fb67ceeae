import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'prisma/config'

// NOTE: Prisma resolves relative paths against this file's folder (.config/), so build
// absolute ones from the repository root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const url = process.env.DATABASE_URL ?? 'file:./data/switchboard.db'
const provider = /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite'
// Prisma's CLI wants a native schema engine it cannot download here; this Node script
// answers its protocol with the wasm engine from npm (docs/decisions/003-prisma-offline.md).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'scripts/prisma/schema-engine.mjs')

export default defineConfig({
  schema: path.join(root, 'prisma', provider),
  migrations: { path: path.join(root, 'prisma', 'migrations', provider) },
  datasource: { url },
})
