// Loads Prisma's schema engine compiled to wasm and starts it on a driver adapter.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg'

const require = createRequire(import.meta.url)

let loaded = false
let lastPanicMessage

/**
 * The wasm reports the reason of a Rust panic through this global before it traps; without it
 * the panic hook itself fails and the CLI would only see `RuntimeError: unreachable`.
 */
globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message: (message) => {
    lastPanicMessage = message
  },
}

/** The message of the last engine panic, if any. */
export function panicMessage() {
  return lastPanicMessage
}

/**
 * Instantiates the wasm once per process. NOTE: the bytes come from the CLI package itself
 * (`prisma/build/schema_engine_bg.wasm`), so the engine is exactly the version `prisma` was built
 * against; only the JS glue comes from @prisma/schema-engine-wasm, whose default entry needs
 * `--experimental-wasm-modules` (docs/decisions/003-prisma-offline.md).
 */
function loadWasm() {
  if (loaded) return
  const wasmFile = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm')
  const module = new WebAssembly.Module(fs.readFileSync(wasmFile))
  // The glue and the wasm are published separately: refuse to start on a mismatch instead of
  // failing later with an obscure LinkError or a missing-function panic mid-migration.
  const missing = WebAssembly.Module.imports(module)
    .filter((entry) => typeof glue[entry.name] !== 'function')
    .map((entry) => `${entry.module}.${entry.name}`)
  if (missing.length > 0) {
    throw new Error(
      `@prisma/schema-engine-wasm does not match ${wasmFile}; missing imports: ${missing.join(', ')}. ` +
        'Pin @prisma/schema-engine-wasm to the engines version of the installed prisma.',
    )
  }
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': glue })
  glue.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start()
  loaded = true
}

/** The engine's git hash, for `--version`. */
export function engineVersion() {
  loadWasm()
  return glue.version()
}

/**
 * Starts an engine on a bound, migration-aware adapter factory.
 * @param {{ datamodels: Array<[string, string]> | undefined, adapterFactory: object, log: (line: string) => void }} options
 */
export async function startEngine({ datamodels, adapterFactory, log }) {
  loadWasm()
  return glue.SchemaEngine.new({ datamodels }, log, adapterFactory)
}
