import { generateKeyPairSync, sign } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { createSecureContext } from 'node:tls'
import { afterEach, expect, test } from 'vitest'
import { GuardedFetchError, type GuardedFetchReason } from '#app/utils/guarded-fetch-errors.server.ts'
import { MAX_REDIRECTS } from '#app/utils/guarded-fetch-policy.server.ts'
import { createGuardedFetch, guardedFetch } from '#app/utils/guarded-fetch.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

// Every URL carries this in its query string; no error message may repeat it.
const SECRET = 'secret-value-7f3a'
const query = `?access_token=${SECRET}`

type Recorded = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void
type TestServer = { port: number; origin: string; connections: () => number; requests: Recorded[] }

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function listen(server: http.Server | https.Server, host: string): Promise<TestServer> {
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the test server has no TCP address')
  const { port } = address
  const hostPart = host.includes(':') ? `[${host}]` : host
  const protocol = server instanceof https.Server ? 'https' : 'http'
  return { port, origin: `${protocol}://${hostPart}:${port}`, connections: () => connections, requests: [] }
}

/** A real HTTP server on loopback that records each request (with its full body) before handling it. */
async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: Recorded[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(req, res, body)
    })
  })
  const started = await listen(server, host)
  return { ...started, requests }
}

function redirect(res: http.ServerResponse, status: number, location: string) {
  res.writeHead(status, { location }).end()
}

async function expectFailure(promise: Promise<unknown>, reason: GuardedFetchReason): Promise<GuardedFetchError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a ${reason} failure, got a response`)
    },
    (caught: unknown) => caught,
  )
  expect(error).not.toBeInstanceOf(TypeError)
  if (!(error instanceof GuardedFetchError)) throw error
  expect(error.reason).toBe(reason)
  expect(error.message).not.toContain(SECRET)
  expect(error.message).not.toContain('?')
  return error
}

const loopbackAllowed = () => createGuardedFetch({ allowedNetworks: ['127.0.0.1/32'] })
/** The rules with an empty allowlist, whatever the test environment allows. */
const noneAllowed = () => createGuardedFetch({ allowedNetworks: [] })

test('an allowed server answers with its status, headers, body and final url', async () => {
  const server = await startServer((_req, res) => res.writeHead(201, { 'x-reply': 'yes' }).end('hello'))
  const response = await loopbackAllowed()(`${server.origin}/mcp${query}`)
  expect(response).toBeInstanceOf(Response)
  expect(response.status).toBe(201)
  expect(response.headers.get('x-reply')).toBe('yes')
  expect(response.url).toBe(`${server.origin}/mcp${query}`)
  expect(response.redirected).toBe(false)
  expect(await response.text()).toBe('hello')
})

test('without an allowlist loopback, IPv6 loopback, mapped and metadata addresses are refused before any connection', async () => {
  const v4 = await startServer((_req, res) => res.end('reached'))
  const v6 = await startServer((_req, res) => res.end('reached'), '::1')
  const refused = [
    [`${v4.origin}/${query}`, /^127\.0\.0\.1 is a loopback address; .*OUTBOUND_ALLOWED_NETWORKS/],
    [`http://[::1]:${v6.port}/${query}`, /^::1 is a loopback address/],
    [`http://[::ffff:127.0.0.1]:${v4.port}/${query}`, /IPv4-mapped form of 127\.0\.0\.1, a loopback address/],
    [`http://169.254.169.254/latest/meta-data/${query}`, /^169\.254\.169\.254 is a link-local address/],
    [`http://0.0.0.0:${v4.port}/${query}`, /unspecified/],
  ] as const
  for (const [url, message] of refused) {
    const started = Date.now()
    const error = await expectFailure(noneAllowed()(url), 'blocked_address')
    expect(error.message).toMatch(message)
    expect(Date.now() - started).toBeLessThan(500)
  }
  expect(v4.connections()).toBe(0)
  expect(v6.connections()).toBe(0)
})

test('a host name that resolves to loopback (localhost) is refused before any connection', async () => {
  const server = await startServer((_req, res) => res.end('reached'))
  const error = await expectFailure(noneAllowed()(`http://localhost:${server.port}/${query}`), 'blocked_address')
  expect(error.message).toMatch(/^localhost resolves to a loopback address; /)
  expect(server.connections()).toBe(0)
})

test('guardedFetch takes its allowlist from OUTBOUND_ALLOWED_NETWORKS', async () => {
  // tests/setup/setup-test-env.ts allows 127.0.0.1 only, for the local MCP peers.
  expect(getEnv().OUTBOUND_ALLOWED_NETWORKS).toEqual(['127.0.0.1/32'])
  const v4 = await startServer((_req, res) => res.end('reached'))
  const v6 = await startServer((_req, res) => res.end('reached'), '::1')
  expect(await (await guardedFetch(`${v4.origin}/`)).text()).toBe('reached')
  await expectFailure(guardedFetch(`${v6.origin}/${query}`), 'blocked_address')
  await expectFailure(guardedFetch(`http://169.254.169.254/${query}`), 'blocked_address')
  expect(v6.connections()).toBe(0)
})

test('the allowlist admits a network by CIDR or a host by exact name, keeping the Host header as typed', async () => {
  const server = await startServer((req, res) => res.end(req.headers.host))
  const byCidr = createGuardedFetch({ allowedNetworks: ['127.0.0.0/8'] })
  expect(await (await byCidr(`${server.origin}/`)).text()).toBe(`127.0.0.1:${server.port}`)

  const byName = createGuardedFetch({ allowedNetworks: ['LOCALHOST'] })
  expect(await (await byName(`http://localhost:${server.port}/`)).text()).toBe(`localhost:${server.port}`)
  await expectFailure(byName(`${server.origin}/${query}`), 'blocked_address')
})

test.each([
  ['ftp://127.0.0.1/file', 'bad_scheme'],
  ['file:///etc/passwd', 'bad_scheme'],
  [`data:text/plain,${SECRET}`, 'bad_scheme'],
  [`not a url ${SECRET}`, 'bad_url'],
  [`http://user:${SECRET}@example.com/`, 'bad_url'],
  [`http://8.8.8.8:25/${query}`, 'bad_url'],
] as const)('%s is refused as %s', async (url, reason) => {
  await expectFailure(guardedFetch(url), reason)
})

test('a redirect from an allowed host to a blocked address is refused without connecting', async () => {
  const target = await startServer((_req, res) => res.end('reached'))
  const source = await startServer((req, res) =>
    redirect(
      res,
      302,
      req.url?.startsWith('/metadata') ? 'http://169.254.169.254/latest/' : `${target.origin}/${query}`,
    ),
  )
  const fetchFromLocalhost = createGuardedFetch({ allowedNetworks: ['localhost'] })
  const error = await expectFailure(fetchFromLocalhost(`http://localhost:${source.port}/${query}`), 'blocked_address')
  expect(error.message).toMatch(/^After a redirect from localhost:\d+: 127\.0\.0\.1 is a loopback address/)
  await expectFailure(fetchFromLocalhost(`http://localhost:${source.port}/metadata${query}`), 'blocked_address')
  expect(target.connections()).toBe(0)
})

test(`redirects are followed up to ${MAX_REDIRECTS} hops and refused beyond`, async () => {
  const server = await startServer((req, res) => {
    const hop = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('hop'))
    if (req.url?.startsWith('/endless') || hop < MAX_REDIRECTS) {
      redirect(res, 302, `${req.url?.split('?')[0]}?hop=${hop + 1}&access_token=${SECRET}`)
    } else res.end(`arrived after ${hop}`)
  })
  const fetcher = loopbackAllowed()
  const response = await fetcher(`${server.origin}/chain?hop=0`)
  expect(await response.text()).toBe(`arrived after ${MAX_REDIRECTS}`)
  expect(response.redirected).toBe(true)
  expect(response.url).toBe(`${server.origin}/chain?hop=${MAX_REDIRECTS}&access_token=${SECRET}`)

  server.requests.length = 0
  const error = await expectFailure(fetcher(`${server.origin}/endless${query}`), 'too_many_redirects')
  expect(error.message).toMatch(/redirected more than 5 times/)
  expect(server.requests).toHaveLength(MAX_REDIRECTS + 1)
})

test('a request body is never resent to another origin by a 307/308', async () => {
  const other = await startServer((_req, res) => res.end('other'))
  for (const status of [307, 308]) {
    const server = await startServer((_req, res) => redirect(res, status, `${other.origin}/landing`))
    const error = await expectFailure(
      loopbackAllowed()(`${server.origin}/token`, { method: 'POST', body: `client_secret=${SECRET}` }),
      'unsafe_redirect',
    )
    expect(error.message).not.toContain(SECRET)
  }
  expect(other.requests).toHaveLength(0)
})

test('caller headers do not follow a redirect to another origin; safe ones do', async () => {
  const other = await startServer((_req, res) => res.end('other'))
  const server = await startServer((_req, res) => redirect(res, 307, `${other.origin}/landing`))
  await loopbackAllowed()(`${server.origin}/start`, {
    method: 'GET',
    headers: {
      authorization: `Bearer ${SECRET}`,
      'x-api-key': SECRET,
      'mcp-session-id': 'session-1',
      cookie: `sid=${SECRET}`,
      accept: 'application/json, text/event-stream',
      'user-agent': 'switchboard-test',
      'accept-language': 'de',
      'content-type': 'application/json',
    },
  })
  const received = other.requests[0]
  expect(received?.method).toBe('GET')
  expect(received?.headers).toMatchObject({
    accept: 'application/json, text/event-stream',
    'user-agent': 'switchboard-test',
    'accept-language': 'de',
  })
  for (const name of ['authorization', 'x-api-key', 'mcp-session-id', 'cookie', 'content-type']) {
    expect(received?.headers).not.toHaveProperty(name)
  }
})

test('a redirect within the same origin keeps every caller header', async () => {
  const server = await startServer((req, res) => (req.url === '/start' ? redirect(res, 302, '/next') : res.end('done')))
  await loopbackAllowed()(`${server.origin}/start`, {
    headers: { authorization: `Bearer ${SECRET}`, 'x-custom': 'kept' },
  })
  expect(server.requests[1]?.url).toBe('/next')
  expect(server.requests[1]?.headers).toMatchObject({ authorization: `Bearer ${SECRET}`, 'x-custom': 'kept' })
})

test('303 (and 302 after POST) turn a POST into a GET without body; 307 and 308 keep both', async () => {
  const server = await startServer((req, res) => {
    const status = Number(req.url?.slice(1))
    if (status) redirect(res, status, '/target')
    else res.end('target')
  })
  const fetcher = loopbackAllowed()
  for (const status of [303, 302, 307, 308]) {
    server.requests.length = 0
    const request = new Request(`${server.origin}/${status}`, {
      method: 'POST',
      body: 'payload',
      headers: { 'content-type': 'text/plain' },
    })
    await fetcher(request)
    const target = server.requests[1]
    if (status === 303 || status === 302) {
      expect(target).toMatchObject({ method: 'GET', body: '' })
      expect(target?.headers).not.toHaveProperty('content-type')
    } else {
      expect(target).toMatchObject({ method: 'POST', body: 'payload' })
      expect(target?.headers['content-type']).toBe('text/plain')
    }
  }
})

test("the caller's redirect: 'manual' gets the redirect itself, and redirect: 'error' fails", async () => {
  const server = await startServer((_req, res) => redirect(res, 302, '/elsewhere'))
  const fetcher = loopbackAllowed()
  const response = await fetcher(`${server.origin}/start`, { redirect: 'manual' })
  expect(response.status).toBe(302)
  expect(response.headers.get('location')).toBe('/elsewhere')
  expect(response.url).toBe(`${server.origin}/start`)
  await expectFailure(fetcher(`${server.origin}/start${query}`, { redirect: 'error' }), 'too_many_redirects')
  expect(server.requests).toHaveLength(2)
})

test('a server that never answers fails with timeout within the configured time', async () => {
  const server = await startServer(() => {})
  const fetcher = createGuardedFetch({ allowedNetworks: ['127.0.0.1'], headersTimeoutMs: 300 })
  const started = Date.now()
  const error = await expectFailure(fetcher(`${server.origin}/${query}`), 'timeout')
  expect(Date.now() - started).toBeLessThan(1500)
  expect(error.message).toBe(`127.0.0.1:${server.port} did not answer within 300 ms.`)
})

test('an event stream that keeps sending outlives the body timeout; a silent one is cut', async () => {
  const server = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' })
    res.write('data: 0\n\n')
    if (req.url?.startsWith('/silent')) return
    let sent = 1
    const interval = setInterval(() => {
      res.write(`data: ${sent++}\n\n`)
      if (sent === 10) {
        clearInterval(interval)
        res.end()
      }
    }, 100)
    res.on('close', () => clearInterval(interval))
  })
  const fetcher = createGuardedFetch({
    allowedNetworks: ['127.0.0.1/32'],
    bodyTimeoutMs: 300,
    eventStreamIdleTimeoutMs: 400,
  })
  const started = Date.now()
  const text = await (await fetcher(`${server.origin}/lively`)).text()
  expect(Date.now() - started).toBeGreaterThan(800)
  expect(text.match(/data: /g)).toHaveLength(10)

  const silent = await fetcher(`${server.origin}/silent${query}`)
  const silentStarted = Date.now()
  const error = await expectFailure(silent.text(), 'timeout')
  expect(error.message).toMatch(/sent nothing for 400 ms/)
  expect(Date.now() - silentStarted).toBeLessThan(1500)
})

test('a trickling response that is not an event stream is cut by the total body timeout', async () => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const interval = setInterval(() => res.write(' '), 50)
    res.on('close', () => clearInterval(interval))
  })
  const fetcher = createGuardedFetch({ allowedNetworks: ['127.0.0.1/32'], bodyTimeoutMs: 300 })
  const response = await fetcher(`${server.origin}/${query}`)
  const started = Date.now()
  const error = await expectFailure(response.text(), 'timeout')
  expect(error.message).toMatch(/took longer than 300 ms/)
  expect(Date.now() - started).toBeLessThan(1500)
})

test('a body over the cap fails: at once by Content-Length, while reading when chunked', async () => {
  const server = await startServer((req, res) => {
    if (req.url?.startsWith('/declared')) {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) })
      res.write('x'.repeat(1024))
      return
    }
    const type = req.url?.startsWith('/events') ? 'text/event-stream' : 'application/json'
    res.writeHead(200, { 'content-type': type })
    for (let i = 0; i < 8; i++) res.write('x'.repeat(1024))
    res.end()
  })
  const fetcher = createGuardedFetch({
    allowedNetworks: ['127.0.0.1/32'],
    maxResponseBytes: 4 * 1024,
    maxEventStreamBytes: 16 * 1024,
  })
  const declared = await expectFailure(fetcher(`${server.origin}/declared${query}`), 'too_large')
  expect(declared.message).toMatch(/is 10 MiB, more than the 4 KiB allowed/)
  const chunked = await fetcher(`${server.origin}/chunked${query}`)
  await expectFailure(chunked.text(), 'too_large')
  // The same 8 KiB as an event stream is under the larger event-stream cap.
  expect(await (await fetcher(`${server.origin}/events`)).text()).toHaveLength(8 * 1024)
  const small = createGuardedFetch({ allowedNetworks: ['127.0.0.1/32'], maxEventStreamBytes: 4 * 1024 })
  await expectFailure((await small(`${server.origin}/events${query}`)).text(), 'too_large')
})

test('a status outside 200-599 fails as network instead of breaking the Response constructor', async () => {
  const server = await startServer((_req, res) => res.writeHead(700).end())
  await expectFailure(loopbackAllowed()(`${server.origin}/${query}`), 'network')
})

test('an unknown host name fails with dns_failure', async () => {
  const error = await expectFailure(guardedFetch(`http://switchboard-test.invalid/${query}`), 'dns_failure')
  expect(error.message).toMatch(/^The host name switchboard-test\.invalid could not be resolved/)
})

test('a closed port fails with connect_refused', async () => {
  const server = await startServer((_req, res) => res.end())
  const closedOrigin = server.origin
  await cleanups.pop()?.()
  const error = await expectFailure(loopbackAllowed()(`${closedOrigin}/${query}`), 'connect_refused')
  expect(error.message).toBe(
    `127.0.0.1:${server.port} refused the connection. Check the port and that the server is running.`,
  )
})

test("the caller's signal aborts with its own reason, before and after the headers", async () => {
  const server = await startServer((req, res) => {
    if (req.url === '/stream') res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n')
  })
  const fetcher = loopbackAllowed()
  const hung = new AbortController()
  const pending = fetcher(`${server.origin}/hang`, { signal: hung.signal })
  setTimeout(() => hung.abort(), 50)
  await expect(pending).rejects.toMatchObject({ name: 'AbortError' })

  const streaming = new AbortController()
  const response = await fetcher(`${server.origin}/stream`, { signal: streaming.signal })
  const reader = response.body!.getReader()
  await reader.read()
  streaming.abort(new Error('closed by the transport'))
  await expect(reader.read()).rejects.toThrow('closed by the transport')
})

/** A DER-encoded TLV; enough ASN.1 to build a small self-signed certificate without openssl. */
function der(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts)
  const n = content.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), content])
}

function oid(text: string): Buffer {
  const [first = 0, second = 0, ...rest] = text.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const value of rest) {
    const groups = [value & 0x7f]
    for (let v = value >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80)
    bytes.push(...groups)
  }
  return der(0x06, Buffer.from(bytes))
}

/** RFC 5280 certificate for `hostname` (and 127.0.0.1), ECDSA P-256, valid for an hour. */
function selfSignedCertificate(hostname: string): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`))
  const ecdsaWithSha256 = der(0x30, oid('1.2.840.10045.4.3.2'))
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from(hostname)))))
  const subjectAltName = der(0x30, der(0x82, Buffer.from(hostname)), der(0x87, Buffer.from([127, 0, 0, 1])))
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([1])),
    ecdsaWithSha256,
    name,
    der(0x30, utcTime(new Date(Date.now() - 60_000)), utcTime(new Date(Date.now() + 3_600_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, der(0x30, der(0x30, oid('2.5.29.17'), der(0x04, subjectAltName)))),
  )
  const certificate = der(0x30, tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), sign('sha256', tbs, privateKey)))
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? []
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

test('https verifies the certificate for the typed host name, sent as SNI', async () => {
  const credentials = selfSignedCertificate('localhost')
  const serverNames: string[] = []
  const server = https.createServer({
    ...credentials,
    SNICallback: (servername, callback) => {
      serverNames.push(servername)
      callback(null, createSecureContext(credentials))
    },
  })
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('tls'))
  const { port } = await listen(server, '127.0.0.1')
  const fetcher = createGuardedFetch({ allowedNetworks: ['localhost'] })
  const error = await expectFailure(fetcher(`https://localhost:${port}/${query}`), 'tls_error')
  expect(error.message).toBe(
    `Could not set up a secure connection to localhost:${port}: its certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT).`,
  )
  expect(serverNames).toEqual(['localhost'])
})

test('https to a plain http port fails with a readable tls_error', async () => {
  const server = await startServer((_req, res) => res.end('plain'))
  const error = await expectFailure(loopbackAllowed()(`https://127.0.0.1:${server.port}/${query}`), 'tls_error')
  expect(error.message).toMatch(
    /^Could not set up a secure connection to 127\.0\.0\.1:\d+: the server does not speak TLS/,
  )
})
