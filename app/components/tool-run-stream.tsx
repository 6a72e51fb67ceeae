import { useEffect, useRef, useState } from 'react'
import type { ToolRun } from '#app/mcp/tool-call.server.ts'
import type { ToolProgress } from '#app/mcp/tools.server.ts'

/*
 * A tool run with JavaScript: the form is posted to the streamed run (…/tools/:tool/run), whose
 * server-sent events carry the server's progress and then the run; Cancel closes the request,
 * which cancels the call at the MCP server. Without JavaScript the page's own form post runs the
 * tool (no progress, no Cancel: the browser waits for the answer).
 */

export type StreamedRun =
  | { phase: 'idle' }
  | { phase: 'running'; startedAt: number; progress: ToolProgress | null }
  | { phase: 'done'; run: ToolRun | null; message: string | null }

const CANCELLED_RUN: ToolRun = {
  kind: 'failure',
  failure: { kind: 'cancelled', message: 'You cancelled the call; the server was told to stop.', action: 'none', pending: null },
  values: null,
}

/** Splits a server-sent events text into complete events; returns them and the unfinished rest. */
export function readEvents(buffer: string): { events: Array<{ event: string; data: string }>; rest: string } {
  const events: Array<{ event: string; data: string }> = []
  const chunks = buffer.split('\n\n')
  const rest = chunks.pop() ?? ''
  for (const chunk of chunks) {
    let event = 'message'
    const data: string[] = []
    for (const line of chunk.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice('event: '.length)
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length))
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') })
  }
  return { events, rest }
}

/** Runs the tool form `form` through the streamed run at `url`; `cancel` stops it; `onDone` follows every end. */
export function useStreamedToolRun(url: string, onDone?: () => void) {
  const [state, setState] = useState<StreamedRun>({ phase: 'idle' })
  const controller = useRef<AbortController | null>(null)
  // Leaving the page ends the call too.
  useEffect(() => () => controller.current?.abort(), [])

  async function start(form: HTMLFormElement, submitter: HTMLElement | null) {
    if (controller.current) return
    const abort = new AbortController()
    controller.current = abort
    setState({ phase: 'running', startedAt: Date.now(), progress: null })
    try {
      const body = new URLSearchParams()
      for (const [name, value] of new FormData(form, submitter)) if (typeof value === 'string') body.append(name, value)
      const response = await fetch(url, { method: 'POST', body, headers: { Accept: 'text/event-stream' }, signal: abort.signal })
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      let finished = false
      while (!finished) {
        const { value, done } = await reader.read()
        if (done) break
        const read = readEvents(buffer + value)
        buffer = read.rest
        for (const { event, data } of read.events) {
          const payload: unknown = JSON.parse(data)
          if (event === 'progress') setState((current) => (current.phase === 'running' ? { ...current, progress: payload as ToolProgress } : current))
          if (event === 'run') {
            const { run, message } = payload as { run: ToolRun | null; message?: string }
            setState({ phase: 'done', run, message: message ?? null })
            finished = true
          }
        }
      }
      if (!finished) setState({ phase: 'done', run: null, message: 'The connection ended before the server answered. Run the tool again.' })
    } catch (error) {
      if (abort.signal.aborted) setState({ phase: 'done', run: CANCELLED_RUN, message: null })
      else setState({ phase: 'done', run: null, message: `The run could not be followed (${error instanceof Error ? error.message : 'network error'}). Run the tool again.` })
    } finally {
      controller.current = null
      onDone?.()
    }
  }

  return { state, start, cancel: () => controller.current?.abort() }
}

/** The running call: elapsed time, the server's progress, and Cancel. */
export function RunningPanel({ startedAt, progress, onCancel }: { startedAt: number; progress: ToolProgress | null; onCancel: () => void }) {
  const [now, setNow] = useState(startedAt)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100)
    return () => clearInterval(timer)
  }, [])
  const seconds = Math.max(0, (now - startedAt) / 1000)
  const total = progress?.total
  return (
    <div className="card running-panel" role="status" aria-label="Running">
      <p>
        <strong>Running…</strong> <span className="muted">{seconds.toFixed(1)} s</span>
      </p>
      {progress ? (
        <>
          <progress value={progress.progress} max={total && total > 0 ? total : undefined} aria-label="Progress" />
          <p className="muted">
            {total ? `${progress.progress} of ${total}` : `${progress.progress} so far`}
            {progress.message ? ` — ${progress.message}` : ''}
          </p>
        </>
      ) : null}
      <button type="button" className="button button-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  )
}
