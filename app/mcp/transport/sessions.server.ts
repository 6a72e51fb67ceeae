import { type Client, type FetchLike, ProtocolError } from '@modelcontextprotocol/client'
import { logger } from '#app/utils/logger.server.ts'
import { type McpEndpoint, type McpTransportKind, type OpenedClient, openMcpClient } from '#app/mcp/transport/client.server.ts'
import { toMcpFailure } from '#app/mcp/transport/failure.server.ts'

/** A session unused for this long is closed. */
export const SESSION_IDLE_TIMEOUT_MS = 5 * 60 * 1000
/** At most this many sessions stay open in this process; the least recently used is closed first. */
export const MAX_OPEN_SESSIONS = 200
const SWEEP_INTERVAL_MS = 30 * 1000
/** How long a session's end may take when its endpoint was never loaded (it then sends nothing). */
const DEFAULT_CLOSE_TIMEOUT_MS = 10 * 1000

/**
 * Who a session belongs to. Credentials are per user, so a session is never shared between
 * users; `credentialVersion` changes whenever the URL, headers or tokens change, so a stale
 * session is never reused with new credentials. `configVersion` is the server's configuration
 * (URL, transport, auth type, headers) the session was opened under: a token of another
 * configuration may belong to another host, so it never ends this session (see CloseOptions).
 */
export type SessionKey = { userId: string; serverId: string; configVersion: number; credentialVersion: string }

/** A token that replaces, for the DELETE only, the one sessions of `configVersion` were opened with. */
export type ReplacementAuthorization = { authorization: string; configVersion: number }

type Entry = {
  key: string
  session: SessionKey
  serverId: string
  opened: Promise<OpenedClient>
  /** The endpoint the session was opened with; its headers are read on every request (mcpFetch). */
  endpoint: McpEndpoint | null
  lastUsed: number
  /** Calls running on this session right now. */
  busy: number
  /**
   * Set when the session was retired (a rotated token): out of the pool, ended as soon as its
   * running calls finish, with this token when one was given for its configuration.
   */
  retired: { replacement: ReplacementAuthorization | null } | null
  /** The session's end, once begun: every later close waits for the same one. */
  closing: Promise<void> | null
}

/** How a session is ended at the server. */
export type CloseOptions = {
  /**
   * The `Authorization` value for the DELETE that ends the session (the Streamable HTTP
   * session end): a token that still works when the one it was opened with may be dead. It is
   * used only for sessions opened under the same `configVersion` (same URL); any other session
   * ends with the credentials it was opened with, so a token never reaches another host.
   */
  replacement?: ReplacementAuthorization
}

export type SessionPoolOptions = {
  idleTimeoutMs?: number
  maxSessions?: number
  fetch?: FetchLike
  /** The clock idle times are measured with (tests move it instead of waiting). */
  now?: () => number
}

/**
 * Initialized MCP sessions per (user, server, credentials), reused for a while. This is a
 * cache: another instance simply opens its own session, so nothing here needs sharing.
 */
export class McpSessionPool {
  readonly #entries = new Map<string, Entry>()
  /** Sessions out of the pool after a rotation, until their end at the server is done. */
  readonly #retiring = new Set<Entry>()
  /**
   * Every session above (pooled or retiring) by server: a token rotation, a Disconnect or a
   * server change looks at one server's sessions, never at the whole pool.
   */
  readonly #byServer = new Map<string, Set<Entry>>()
  readonly #idleTimeoutMs: number
  readonly #maxSessions: number
  readonly #fetch: FetchLike | undefined
  readonly #now: () => number
  #sweeper: NodeJS.Timeout | null = null
  stats = { opened: 0, reused: 0, reinitialized: 0, evicted: 0 }

  constructor(options: SessionPoolOptions = {}) {
    this.#idleTimeoutMs = options.idleTimeoutMs ?? SESSION_IDLE_TIMEOUT_MS
    this.#maxSessions = options.maxSessions ?? MAX_OPEN_SESSIONS
    this.#fetch = options.fetch
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  /**
   * Runs `fn` with an initialized client for `key`, opening a session when needed. When the
   * server says the session is gone (404 for its session id), opens a new one and retries once.
   * Throws McpFailure.
   */
  async use<T>(
    key: SessionKey,
    endpoint: McpEndpoint | (() => Promise<McpEndpoint>),
    fn: (client: Client, transport: McpTransportKind) => Promise<T>,
  ): Promise<T> {
    const entry = this.#acquire(key, endpoint)
    entry.busy++
    try {
      const opened = await entry.opened
      return await fn(opened.client, opened.transport)
    } catch (error) {
      // The caller's endpoint loader failed (e.g. headers that no longer decrypt): its error, as is.
      if (error instanceof EndpointLoadError) throw error.cause
      const failure = toMcpFailure(error, await entry.opened.then((o) => o.recorder).catch(() => undefined))
      // Spec: a 404 for a request that carries a session id means the session is gone.
      const sessionGone = failure.kind === 'session_expired' || (failure.status === 404 && (await isOpen(entry)))
      if (!sessionGone) {
        // A JSON-RPC error answer (an unknown resource, a refused input request) comes from a working session:
        // ending it would cut the person's other calls running on it.
        const answered = error instanceof ProtocolError && (await isOpen(entry))
        if (!(failure.kind === 'timeout' || failure.kind === 'server_error' || answered)) await this.#discard(entry)
        throw failure
      }
      await this.#discard(entry)
      this.stats.reinitialized++
      const fresh = this.#acquire(key, endpoint)
      fresh.busy++
      try {
        const opened = await fresh.opened
        return await fn(opened.client, opened.transport)
      } catch (retryError) {
        await this.#discard(fresh)
        throw toMcpFailure(retryError)
      } finally {
        this.#release(fresh)
      }
    } finally {
      this.#release(entry)
    }
  }

  /**
   * Ends the sessions `match` selects, at the server and here, at once (Disconnect: before the
   * token they were opened with is revoked). Retired sessions still waiting for their call are
   * ended too, with the token they were retired with unless `options` gives another.
   */
  async closeSessions(serverId: string, match: (key: SessionKey) => boolean, options: CloseOptions = {}): Promise<number> {
    const chosen = this.#sessionsOf(serverId).filter((entry) => match(entry.session))
    await Promise.all(chosen.map((entry) => this.#discard(entry, this.#closeOptionsFor(entry, options))))
    return chosen.length
  }

  /**
   * Retires the sessions `match` selects (a token rotation: the old sessions must not outlive
   * the old token). They leave the pool at once, so no new call picks them up; each ends at the
   * server in the background, idle ones now and busy ones after their call, so the caller never
   * waits for a slow server's DELETE. `options.replacement` is used only for the sessions of its
   * configuration. Until ended, they stay reachable by closeSessions, closeServer and closeAll.
   */
  retireSessions(serverId: string, match: (key: SessionKey) => boolean, options: CloseOptions = {}): void {
    const chosen = this.#sessionsOf(serverId).filter((entry) => this.#entries.get(entry.key) === entry && match(entry.session))
    for (const entry of chosen) {
      if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key)
      entry.retired = { replacement: replacementFor(entry, options) }
      this.#retiring.add(entry)
      if (entry.busy === 0) this.#endInBackground(entry)
    }
  }

  #release(entry: Entry): void {
    entry.busy = Math.max(0, entry.busy - 1)
    // Idle counts from the end of the last call: opening and negotiating (server/discover, then
    // initialize for a 2025-era server) must not use up a session's idle time before it is reused.
    entry.lastUsed = this.#now()
    // The call that just finished does not wait for its retired session's end.
    if (entry.busy === 0 && entry.retired) this.#endInBackground(entry)
  }

  #endInBackground(entry: Entry): void {
    // #discard never rejects; the catch only keeps a bug here from becoming an unhandled rejection.
    this.#discard(entry, { replacement: entry.retired?.replacement ?? undefined }).catch((error: unknown) =>
      logger.debug({ err: error, serverId: entry.serverId }, 'ending a retired MCP session failed'),
    )
  }

  /** The options a close uses for `entry`: the caller's token, or else the one it was retired with. */
  #closeOptionsFor(entry: Entry, options: CloseOptions): CloseOptions {
    const replacement = replacementFor(entry, options) ?? entry.retired?.replacement ?? null
    return replacement ? { replacement } : {}
  }

  /** Pooled sessions and retired ones that have not ended yet. */
  #allSessions(): Entry[] {
    return [...this.#entries.values(), ...this.#retiring]
  }

  /** One server's sessions, pooled and retired ones that have not ended yet. */
  #sessionsOf(serverId: string): Entry[] {
    return [...(this.#byServer.get(serverId) ?? [])]
  }

  #index(entry: Entry): void {
    let set = this.#byServer.get(entry.serverId)
    if (!set) this.#byServer.set(entry.serverId, (set = new Set()))
    set.add(entry)
  }

  /** Drops `entry` from the server index once it is neither pooled nor retiring. */
  #unindex(entry: Entry): void {
    if (this.#entries.get(entry.key) === entry || this.#retiring.has(entry)) return
    const set = this.#byServer.get(entry.serverId)
    set?.delete(entry)
    if (set?.size === 0) this.#byServer.delete(entry.serverId)
  }

  /** Closes every session of a server (after its URL, headers or credentials changed), retired ones included. */
  async closeServer(serverId: string): Promise<void> {
    await Promise.all(this.#sessionsOf(serverId).map((entry) => this.#discard(entry, this.#closeOptionsFor(entry, {}))))
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#allSessions().map((entry) => this.#discard(entry, this.#closeOptionsFor(entry, {}))))
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = null
  }

  /** `endpoint` may be a loader: it then runs only when a new session is opened (e.g. decrypting headers). */
  #acquire(key: SessionKey, endpoint: McpEndpoint | (() => Promise<McpEndpoint>)): Entry {
    const id = `${key.userId}\u0000${key.serverId}\u0000${key.credentialVersion}`
    const now = this.#now()
    const existing = this.#entries.get(id)
    if (existing && now - existing.lastUsed < this.#idleTimeoutMs) {
      existing.lastUsed = now
      // Re-insert to keep the Map in least-recently-used order.
      this.#entries.delete(id)
      this.#entries.set(id, existing)
      this.stats.reused++
      return existing
    }
    if (existing) void this.#discard(existing)
    const resolved =
      typeof endpoint === 'function'
        ? endpoint().catch((error: unknown) => Promise.reject(new EndpointLoadError(error)))
        : Promise.resolve(endpoint)
    const opened = resolved.then((value) => {
      // A copy of its own: closing may replace its Authorization header (see #discard).
      const own = { ...value, headers: { ...value.headers } }
      entry.endpoint = own
      return openMcpClient(own, { fetch: this.#fetch })
    })
    const entry: Entry = { key: id, session: key, serverId: key.serverId, opened, endpoint: null, lastUsed: now, busy: 0, retired: null, closing: null }
    // A failed open must not stay cached.
    opened.catch(() => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id)
      this.#unindex(entry)
    })
    this.#entries.set(id, entry)
    this.#index(entry)
    this.stats.opened++
    this.#evictOverflow()
    this.#startSweeper()
    return entry
  }

  #evictOverflow() {
    while (this.#entries.size > this.#maxSessions) {
      const oldest = this.#entries.values().next().value
      if (!oldest) break
      this.stats.evicted++
      void this.#discard(oldest)
    }
  }

  #startSweeper() {
    if (this.#sweeper) return
    this.#sweeper = setInterval(() => {
      const cutoff = this.#now() - this.#idleTimeoutMs
      for (const entry of this.#entries.values()) if (entry.lastUsed < cutoff) void this.#discard(entry)
      if (this.#entries.size === 0 && this.#sweeper) {
        clearInterval(this.#sweeper)
        this.#sweeper = null
      }
    }, SWEEP_INTERVAL_MS)
    this.#sweeper.unref()
  }

  /** Ends a session at the server and here; a second call waits for the first one's end. */
  #discard(entry: Entry, options: CloseOptions = {}): Promise<void> {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key)
    this.#unindex(entry)
    entry.closing ??= this.#end(entry, options).finally(() => {
      this.#retiring.delete(entry)
      this.#unindex(entry)
    })
    return entry.closing
  }

  async #end(entry: Entry, options: CloseOptions): Promise<void> {
    const opened = await entry.opened.catch(() => null)
    if (!opened) return
    const replacement = replacementFor(entry, options)
    if (replacement && entry.endpoint) {
      // NOTE: mcpFetch reads the endpoint's headers on every request, so the DELETE below goes
      // out with this token. The endpoint object belongs to this entry alone.
      entry.endpoint.headers = { ...entry.endpoint.headers, Authorization: replacement.authorization }
    }
    const transport = opened.client.transport
    if (transport && 'terminateSession' in transport && typeof transport.terminateSession === 'function') {
      // Bounded by the server's timeout: close() below aborts a DELETE still waiting.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.resolve(transport.terminateSession()).catch((error: unknown) =>
          logger.debug({ err: error, serverId: entry.serverId }, 'ending an MCP session at the server failed'),
        ),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, entry.endpoint?.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS)
          timer.unref()
        }),
      ])
      clearTimeout(timer)
    }
    await opened.client.close().catch((error: unknown) => logger.debug({ err: error }, 'closing an MCP session failed'))
  }
}

/** The replacement token `options` gives for `entry`, if it is for the configuration `entry` was opened under. */
function replacementFor(entry: Entry, options: CloseOptions): ReplacementAuthorization | null {
  const replacement = options.replacement
  return replacement && replacement.configVersion === entry.session.configVersion ? replacement : null
}

class EndpointLoadError extends Error {
  override name = 'EndpointLoadError'
  constructor(override readonly cause: unknown) {
    super('The endpoint could not be loaded')
  }
}

async function isOpen(entry: Entry): Promise<boolean> {
  return entry.opened.then(
    () => true,
    () => false,
  )
}

const POOL_KEY = Symbol.for('switchboard.mcp-session-pool')
const holder = globalThis as typeof globalThis & { [POOL_KEY]?: McpSessionPool }

/** The process-wide pool. */
export function getSessionPool(): McpSessionPool {
  holder[POOL_KEY] ??= new McpSessionPool()
  return holder[POOL_KEY]
}

