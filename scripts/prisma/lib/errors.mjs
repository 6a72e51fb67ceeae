// Turns whatever the wasm engine or an adapter threw into the message and code the CLI shows.
import { panicMessage } from './wasm-engine.mjs'

const PRISMA_ERROR_CODE = /^P\d{4}$/

/**
 * @param {unknown} error
 * @param {(id: number) => unknown} lookUpAdapterError
 * @returns {{ message: string, code: string | null, isPanic: boolean }}
 */
export function toEngineError(error, lookUpAdapterError = () => undefined) {
  const isPanic = error instanceof WebAssembly.RuntimeError
  let message = error instanceof Error ? error.message : String(error)
  if (isPanic) message = panicMessage() ?? message
  // The wasm appends a span trace ("   0: schema_engine_wasm::..."); the binary shows none.
  message = message.split(/\n\s+0: /)[0].trimEnd()
  // NOTE: gap 8 (docs/decisions/003-prisma-offline.md): an adapter error that is not a
  // DriverAdapterError reaches the engine as `External error id#N`; the real one waits in the
  // bound factory's error registry.
  message = message.replace(/External error id#(\d+)/g, (text, id) => {
    const original = lookUpAdapterError(Number(id))
    return original === undefined ? text : original instanceof Error ? original.message : String(original)
  })
  const code = typeof error?.code === 'string' && PRISMA_ERROR_CODE.test(error.code) ? error.code : null
  return { message, code, isPanic }
}
