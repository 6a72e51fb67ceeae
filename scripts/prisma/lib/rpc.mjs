// Newline-delimited JSON-RPC 2.0 over stdin/stdout, the way the Prisma CLI talks to its engine.
import readline from 'node:readline'

/** JSON-RPC error code the CLI expects for engine errors (prisma-engines, json-rpc api). */
const ENGINE_ERROR_CODE = 4466

/** An error that carries a Prisma error code (`P1003`, `P3006`, ...). */
export class EngineError extends Error {
  constructor(message, code = null) {
    super(message)
    this.code = code
  }
}

function write(message) {
  // stdout carries protocol messages only; all logging goes to stderr.
  process.stdout.write(JSON.stringify(message) + '\n')
}

/**
 * Serves requests one at a time (the CLI waits for each answer anyway) while still reading
 * stdin, so that answers to our own `print` requests can arrive during a call.
 * @param {{ handle: (method: string, params: unknown, rpc: { print: (content: string) => Promise<void> }) => Promise<unknown>,
 *           toError: (error: unknown) => { message: string, code: string | null, isPanic: boolean },
 *           onClose: () => Promise<void> }} options
 */
export function serve({ handle, toError, onClose }) {
  let nextOutgoingId = 1
  const pending = new Map()
  let queue = Promise.resolve()

  const rpc = {
    /**
     * The native engine prints `migrate diff` output by asking the CLI to (a `print` request);
     * the wasm returns it in a `stdout` field instead, so forward it or diff prints nothing.
     */
    print: (content) =>
      new Promise((resolve) => {
        const id = `print-${nextOutgoingId++}`
        pending.set(id, resolve)
        write({ jsonrpc: '2.0', id, method: 'print', params: { content } })
      }),
  }

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  lines.on('line', (line) => {
    if (line.trim() === '') return
    let message
    try {
      message = JSON.parse(line)
    } catch {
      process.stderr.write(`schema-engine shim: ignoring a line that is not JSON\n`)
      return
    }
    if (message.method === undefined) {
      pending.get(message.id)?.()
      pending.delete(message.id)
      return
    }
    queue = queue.then(() => answer(message))
  })
  lines.on('close', () => {
    queue = queue.then(onClose).then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`schema-engine shim: cleanup failed: ${error?.stack ?? error}\n`)
        process.exit(1)
      },
    )
  })

  async function answer({ id, method, params }) {
    try {
      const result = await handle(method, params, rpc)
      write({ jsonrpc: '2.0', id, result: result ?? {} })
    } catch (error) {
      const { message, code, isPanic } = toError(error)
      write({
        jsonrpc: '2.0',
        id,
        error: {
          code: ENGINE_ERROR_CODE,
          message: 'An error happened. Check the data field for details.',
          data: { is_panic: isPanic, message, error_code: code, ...(isPanic ? { error: { message } } : {}) },
        },
      })
    }
  }
}
