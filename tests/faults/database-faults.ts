import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import pg from 'pg'

// Database faults for the fault suite: PostgreSQL dropping the app's connections, and another
// process holding SQLite's write lock.

/**
 * Ends every connection of this worker's PostgreSQL database but the caller's own, as a
 * failover or `pg_terminate_backend` by an operator would. Other suites' databases are not
 * touched. Returns how many connections were ended.
 */
export async function terminateAppConnections(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const result = await client.query<{ ended: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
    return result.rows.filter((row) => row.ended).length
  } finally {
    await client.end()
  }
}

export type SqliteLock = {
  /** Resolves once the other connection holds the write lock. */
  locked: Promise<void>
  /** Resolves once it has let go (COMMIT) and closed. */
  released: Promise<void>
  /** Lets go now (when `holdMs` was not given). */
  release(): void
}

// Runs in a worker thread: better-sqlite3 waits synchronously on a busy database, so a lock held
// in the test's own thread could never be released while the app's write is waiting for it.
const LOCK_HOLDER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.modulePath)
const db = new Database(workerData.file)
db.exec('BEGIN EXCLUSIVE')
parentPort.postMessage('locked')
let done = false
const release = () => {
  if (done) return
  done = true
  db.exec('COMMIT')
  db.close()
  parentPort.postMessage('released')
  parentPort.close()
}
if (workerData.holdMs !== null) setTimeout(release, workerData.holdMs)
parentPort.on('message', (message) => { if (message === 'release') release() })
`

/**
 * Another connection (in another thread, like another process) takes SQLite's write lock on
 * `file` with BEGIN EXCLUSIVE, and lets go after `holdMs` or when `release()` is called.
 */
export function holdSqliteWriteLock(file: string, holdMs: number | null = null): SqliteLock {
  const modulePath = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(LOCK_HOLDER, { eval: true, workerData: { file, holdMs, modulePath } })
  let onLocked: () => void = () => {}
  let onReleased: () => void = () => {}
  const locked = new Promise<void>((resolve, reject) => {
    onLocked = resolve
    worker.once('error', reject)
  })
  const released = new Promise<void>((resolve, reject) => {
    onReleased = resolve
    worker.once('error', reject)
  })
  worker.on('message', (message) => {
    if (message === 'locked') onLocked()
    if (message === 'released') onReleased()
  })
  return { locked, released, release: () => worker.postMessage('release') }
}
