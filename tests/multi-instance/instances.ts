import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import { type InstanceReply, type InstanceRequest } from '#tests/multi-instance/protocol.ts'

// Starts app instances as separate Node processes (tsx as the loader) that share the test's
// database, secrets and PUBLIC_URL through the environment, and talks to them over IPC.

const WORKER = path.resolve('tests/multi-instance/app-instance.ts')
const READY_TIMEOUT_MS = 30_000
const REPLY_TIMEOUT_MS = 30_000

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never
export type InstanceCommand = Distribute<InstanceRequest>

export type AppInstance = {
  pid: number
  /** Sends one command and resolves with its reply; rejects on an `error` reply or a timeout. */
  send(command: InstanceCommand): Promise<InstanceReply>
  /** Everything the process wrote to stderr (a crash or an unexpected log shows up here). */
  stderr(): string
  stop(): Promise<void>
}

/** Starts one instance; `env` is added to this process's environment (DATABASE_URL must be in one of them). */
export async function startAppInstance(name: string, env: Record<string, string> = {}): Promise<AppInstance> {
  const child: ChildProcess = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdout?.resume()
  let nextId = 1
  const waiting = new Map<number, { resolve: (reply: InstanceReply) => void; reject: (error: Error) => void }>()
  let exited = false
  child.on('message', (reply: InstanceReply) => {
    const entry = waiting.get(reply.id)
    if (!entry) return
    waiting.delete(reply.id)
    if (reply.type === 'error') entry.reject(new Error(`instance ${name}: ${reply.message}`))
    else entry.resolve(reply)
  })
  child.on('exit', (code) => {
    exited = true
    for (const entry of waiting.values()) entry.reject(new Error(`instance ${name} exited (code ${code}): ${stderr.slice(-2000)}`))
    waiting.clear()
  })

  const ready = await new Promise<InstanceReply>((resolve, reject) => {
    waiting.set(0, { resolve, reject })
    setTimeout(() => reject(new Error(`instance ${name} did not start in time: ${stderr.slice(-2000)}`)), READY_TIMEOUT_MS).unref()
  })
  const pid = ready.type === 'ready' ? ready.pid : (child.pid ?? 0)

  const send = (command: InstanceCommand) =>
    new Promise<InstanceReply>((resolve, reject) => {
      if (exited) return reject(new Error(`instance ${name} is not running: ${stderr.slice(-2000)}`))
      const id = nextId++
      waiting.set(id, { resolve, reject })
      setTimeout(() => {
        if (waiting.delete(id)) reject(new Error(`instance ${name} did not answer ${command.type} in time`))
      }, REPLY_TIMEOUT_MS).unref()
      child.send({ ...command, id })
    })

  return {
    pid,
    send,
    stderr: () => stderr,
    async stop() {
      if (exited) return
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      await send({ type: 'stop' }).catch(() => undefined)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await gone
      clearTimeout(timer)
    },
  }
}
