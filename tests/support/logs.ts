import { Writable } from 'node:stream'
import pino from 'pino'
import { logger } from '#app/utils/logger.server.ts'

/** Runs `fn` with the app's logger at debug, writing into memory; returns what it wrote. */
export async function captureLogs(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  // NOTE: pino writes every line to the stream under this symbol; swapping it is how a test reads the
  // app's own logger without changing its configuration.
  const stream: unknown = Reflect.get(logger, pino.symbols.streamSym)
  const level = logger.level
  Reflect.set(logger, pino.symbols.streamSym, sink)
  logger.level = 'debug'
  try {
    await fn()
  } finally {
    Reflect.set(logger, pino.symbols.streamSym, stream)
    logger.level = level
  }
  return chunks.join('')
}
