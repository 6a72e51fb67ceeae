#!/usr/bin/env node
// A schema engine for the Prisma CLI that needs no download: it answers the CLI's protocol with
// the wasm engine from npm. The CLI runs it because .config/prisma.ts sets
// PRISMA_SCHEMA_ENGINE_BINARY. Why, and the numbered engine gaps it works around:
// docs/decisions/003-prisma-offline.md. stdout is the protocol channel: log to stderr only.
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { runCliCommand } from './lib/cli-commands.mjs'
import { parseTarget } from './lib/datasource.mjs'
import { toEngineError } from './lib/errors.mjs'
import { serve } from './lib/rpc.mjs'
import { openSession } from './lib/session.mjs'
import { engineVersion } from './lib/wasm-engine.mjs'

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: false,
    options: {
      version: { type: 'boolean' },
      datamodels: { type: 'string', multiple: true },
      datasource: { type: 'string' },
      'enabled-preview-features': { type: 'string' },
      'extension-types': { type: 'string' },
    },
  })

  if (values.version) {
    process.stdout.write(`schema-engine-cli ${engineVersion()}\n`)
    return
  }

  const datasource = values.datasource ? JSON.parse(values.datasource) : {}
  if (typeof datasource.url !== 'string' || datasource.url === '') {
    throw new Error('The schema engine shim needs `--datasource` with a `url` (set datasource.url in the Prisma config).')
  }
  if (datasource.shadowDatabaseUrl) {
    process.stderr.write('schema-engine shim: ignoring shadowDatabaseUrl; shadow databases are temporary ones on the main server\n')
  }
  const target = parseTarget(datasource.url)

  if (positionals[0] === 'cli') {
    process.exitCode = await runCliCommand(positionals[1], target)
    return
  }

  const datamodels = values.datamodels?.map((file) => [file, fs.readFileSync(file, 'utf8')])
  const session = openSession({ target, datamodels })
  serve({
    handle: (method, params, rpc) => session.call(method, params, rpc),
    toError: (error) => toEngineError(error, session.lookUpAdapterError),
    onClose: session.close,
  })
}

main().catch((error) => {
  // The CLI only shows stderr lines that are JSON log records (see lib/cli-commands.mjs).
  const message = `schema-engine shim: ${error instanceof Error ? error.message : String(error)}`
  process.stderr.write(JSON.stringify({ level: 'ERROR', fields: { message }, target: 'schema_engine::shim' }) + '\n')
  process.exit(1)
})
