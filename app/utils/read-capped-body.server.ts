import type { IncomingMessage } from 'node:http'

/** The body, or 'too-large' as soon as more than `limitBytes` arrived (what came so far is dropped and reading pauses). */
export function readCapped(req: IncomingMessage, limitBytes: number): Promise<Buffer<ArrayBuffer> | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (value: Buffer<ArrayBuffer> | 'too-large' | 'gone') => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      resolve(value)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) {
        chunks.length = 0
        req.pause()
        settle('too-large')
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => settle(Buffer.concat(chunks, size))
    // 'close' comes after 'end' for a complete body; before it, the client is gone. (An aborted request
    // emits 'error' only to listeners it has, and it has none once settled: no crash either way.)
    const onClose = () => {
      if (!req.complete) settle('gone')
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}
