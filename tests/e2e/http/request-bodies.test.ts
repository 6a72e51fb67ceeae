// Request bodies against the built production server: capped before Remix reads them (by Content-Length and
// while streaming), forms only, and 404/405/413/415 never logged as unhandled errors. Each test starts its own
// server (like lifecycle.test.ts) to read its memory (/proc) and its log; the page checks use the shared one.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { expect, test, waitForHydration } from '#tests/fixtures.ts'

const MiB = 1024 * 1024

async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The built server on a port of its own, with an empty database; stopped after the test. */
async function startApp(env: Record<string, string> = {}) {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bodies-'))
  const child = spawn(process.execPath, ['build/server-main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: origin,
      DATA_DIR: dataDir,
      // Request lines are at debug (issue 11, point 14); these tests read them.
      LOG_LEVEL: 'debug',
      SESSION_SECRET: 'bodies-session-secret-0123456789abcdef0123456',
      ENCRYPTION_KEYS: `b1:${Buffer.alloc(32, 5).toString('base64')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await expect.poll(() => output, { timeout: 20_000 }).toContain('Switchboard is listening')
  return {
    origin,
    output: () => output,
    /** Peak resident memory of the server process so far (Linux: VmHWM). */
    peakRssBytes: () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) * 1024,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

type Sent = { status: number; headers: http.IncomingHttpHeaders; body: string }

/**
 * POSTs `totalBytes` of form data in 64 KiB chunks, honouring back-pressure, and resolves with the answer as soon
 * as it is complete, whether or not the server read the whole body. Without `declareLength` the body is chunked.
 * Like curl ("HTTP error before end of send, stop sending"), it stops uploading once an answer arrives.
 * NOTE: it used to upload on until the server closed. The server's peak memory, read once the last answer was in,
 * then also counted what it had read and dropped for the uploads already answered (garbage until V8 collects it,
 * 0–18 MiB here against a 25 MiB limit): more the later the client read its answers, so a loaded machine could fail
 * a server that holds nothing (the likely cause of the CI failure of Dec 2026; docs/decisions/020).
 */
function postStream(url: string, totalBytes: number, options: { declareLength?: boolean; contentType?: string } = {}): Promise<Sent> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: {
        Origin: target.origin,
        'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded',
        ...(options.declareLength ? { 'Content-Length': String(totalBytes) } : {}),
      },
    })
    let responded = false
    let answered = false
    request.on('response', (response) => {
      responded = true
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => {
        answered = true
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body })
        request.destroy()
      })
    })
    // Once answered, the server closing on the rest of our upload is expected (EPIPE, ECONNRESET).
    request.on('error', (error) => {
      if (!answered) reject(error)
    })
    const chunk = Buffer.alloc(64 * 1024, 'a')
    let sent = 0
    const pump = () => {
      while (sent < totalBytes && !responded && !request.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, totalBytes - sent))
        sent += part.length
        // Through setImmediate: a write that completes at once emits 'drain' on the next tick, so against a fast reader
        // the pump wrote up to 500 chunks (70 ms) before the event loop looked for the answer. Each write now waits
        // for that look: the answer is read before a write can fail on the connection the server closed after it.
        if (!request.write(part)) return void request.once('drain', () => setImmediate(pump))
      }
      if (sent === totalBytes && !request.destroyed) request.end()
    }
    pump()
  })
}

/** Sends only the headers of a `bytes` form with Expect: 100-continue; the body follows only if the server says so. */
function askFirst(url: string, bytes: number): Promise<{ status: number; toldToContinue: boolean }> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    let toldToContinue = false
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { Origin: target.origin, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(bytes), Expect: '100-continue' },
    })
    request.on('continue', () => {
      toldToContinue = true
      request.end(`email=not-an-email&password=x&pad=${'x'.repeat(bytes - 34)}`)
    })
    let answered = false
    request.on('response', (response) => {
      response.resume()
      response.on('end', () => {
        answered = true
        resolve({ status: response.statusCode ?? 0, toldToContinue })
        request.destroy()
      })
    })
    request.on('error', (error) => {
      if (!answered) reject(error)
    })
    request.flushHeaders()
  })
}

function post(url: string, body: string, contentType?: string): Promise<Sent> {
  const target = new URL(url)
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: target.origin, ...(contentType ? { 'Content-Type': contentType } : {}) },
    // Bytes, not a string: fetch would label a string text/plain.
    body: new TextEncoder().encode(body),
  }).then(async (response) => ({ status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() }))
}

const unhandled = /unhandled|"level":50/

test('50 MB streamed to /login, with or without a Content-Length, get 413 and a page, and the server never holds them', async () => {
  const app = await startApp()
  try {
    // Warm up the paths (a page, a form post) so that what is measured afterwards is the bodies.
    expect((await fetch(`${app.origin}/login`)).status).toBe(200)
    expect((await post(`${app.origin}/login`, 'email=not-an-email&password=x', 'application/x-www-form-urlencoded')).status).toBe(400)
    const before = app.peakRssBytes()

    const bodyBytes = 50 * MiB
    const answers = await Promise.all([
      postStream(`${app.origin}/login`, bodyBytes),
      postStream(`${app.origin}/login`, bodyBytes),
      postStream(`${app.origin}/login`, bodyBytes, { declareLength: true }),
    ])
    for (const answer of answers) {
      expect(answer.status).toBe(413)
      expect(answer.headers.connection).toBe('close')
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(answer.body).toContain('<h1>The form is too large</h1>')
      expect(answer.body).toContain('Switchboard accepts at most 1 MiB here.')
      expect(answer.body).toContain('<a href="/">Back to the start page</a>')
      expect(answer.body).toMatch(/<link rel="stylesheet" href="\/assets\/app-[^"]+\.css">/)
    }
    // Buffering even one body before answering would show here: the server kept at most the cap per request.
    const grewMiB = (app.peakRssBytes() - before) / MiB
    expect(grewMiB, `peak memory grew by ${grewMiB.toFixed(1)} MiB`).toBeLessThan(bodyBytes / MiB / 2)

    // The server is fine: it answers, and a form under the limit still reaches the action.
    expect((await fetch(`${app.origin}/healthz`)).status).toBe(200)
    const under = await post(`${app.origin}/login`, `email=not-an-email&password=x&pad=${'x'.repeat(900_000)}`, 'application/x-www-form-urlencoded')
    expect(under.status).toBe(400)
    expect(under.body).toContain('<h1>Sign in</h1>')
    // A client that asks first hears of the refusal before it sends a byte; a small form is let through.
    expect(await askFirst(`${app.origin}/login`, bodyBytes)).toEqual({ status: 413, toldToContinue: false })
    expect(await askFirst(`${app.origin}/login`, 1000)).toEqual({ status: 400, toldToContinue: true })

    expect(app.output()).toContain('"status":413,"limitBytes":1048576,"msg":"refused request body"')
    expect(app.output()).not.toMatch(unhandled)
  } finally {
    await app.stop()
  }
})

test('MAX_REQUEST_BODY_BYTES sets the limit, and a tool run may send four times as much', async () => {
  const app = await startApp({ MAX_REQUEST_BODY_BYTES: String(64 * 1024) })
  try {
    const form = (bytes: number) => `message=${'x'.repeat(bytes)}`
    const tooLarge = await post(`${app.origin}/login`, form(100_000), 'application/x-www-form-urlencoded')
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.body).toContain('Switchboard accepts at most 64 KiB here.')
    // Signed out, a tool run the cap lets through reaches Remix, which sends the person to sign in.
    const toolRun = '/w/some-workspace/servers/some-server/tools/echo'
    const passed = await post(`${app.origin}${toolRun}`, form(200_000), 'application/x-www-form-urlencoded')
    expect(passed.status).toBe(302)
    expect(passed.headers.location).toMatch(/^\/login\?/)
    const refused = await post(`${app.origin}${toolRun}`, form(300_000), 'application/x-www-form-urlencoded')
    expect(refused.status).toBe(413)
    expect(refused.body).toContain('Switchboard accepts at most 256 KiB here.')
    expect(app.output()).not.toMatch(unhandled)
  } finally {
    await app.stop()
  }
})

test('a POST that is not a form gets 415 with a sentence (a broken multipart body 400), never a 500 or an unhandled error', async () => {
  const app = await startApp()
  try {
    const sentence = 'Switchboard takes form submissions only'
    for (const contentType of ['application/json', 'text/plain', undefined]) {
      const answer = await post(`${app.origin}/login`, '{"email":"a@example.test","password":"x"}', contentType)
      expect(answer.status, String(contentType)).toBe(415)
      expect(answer.body).toContain(`<h1>This was not a form</h1>`)
      expect(answer.body).toContain(sentence)
      // Refused before Remix, still with the headers every response carries.
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(answer.headers['cache-control']).toBe('no-store')
    }
    // A single-fetch request (what Remix's client sends) gets the sentence as an error its client shows.
    const data = await post(`${app.origin}/login.data`, '{}', 'application/json')
    expect(data.status).toBe(415)
    expect(data.headers['content-type']).toBe('text/x-script')
    expect(JSON.parse(data.body)).toEqual([{ _1: 2 }, 'error', ['ErrorResponse', 3, 4, 5], expect.stringContaining(sentence), 415, 'Unsupported Media Type'])
    // A signed-in-only action, signed out: refused before any route runs, the same way.
    expect((await post(`${app.origin}/workspaces/new`, '{}', 'application/json')).status).toBe(415)

    const multipart = await post(`${app.origin}/login`, 'not multipart at all', 'multipart/form-data; boundary=xyz')
    expect(multipart.status).toBe(400)
    expect(multipart.body).toContain('The form data was malformed.')
    // A well-formed multipart form still reaches the action (an invalid email: 400 and the form again).
    const good = new FormData()
    good.set('email', 'not-an-email')
    good.set('password', 'x')
    const viaMultipart = await fetch(`${app.origin}/login`, { method: 'POST', redirect: 'manual', headers: { Origin: app.origin }, body: good })
    expect(viaMultipart.status).toBe(400)
    expect(await viaMultipart.text()).toContain('<h1>Sign in</h1>')

    expect(app.output()).toContain('"status":415')
    expect(app.output()).not.toMatch(unhandled)
  } finally {
    await app.stop()
  }
})

test('/favicon.ico is served, and a 404 or 405 is a request log line, not an unhandled error', async () => {
  const app = await startApp()
  try {
    const icon = await fetch(`${app.origin}/favicon.ico`)
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/x-icon')
    // An ICO header: reserved 0, type 1 (icon).
    expect([...new Uint8Array(await icon.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0, 1, 0])
    expect((await fetch(`${app.origin}/no-such-page`)).status).toBe(404)
    expect((await fetch(`${app.origin}/apple-touch-icon.png`)).status).toBe(404)
    expect((await post(`${app.origin}/healthz`, 'a=1', 'application/x-www-form-urlencoded')).status).toBe(405)
    await expect.poll(() => app.output()).toContain('"path":"/healthz","status":405')
    expect(app.output()).toContain('"path":"/no-such-page","status":404')
    expect(app.output()).not.toMatch(unhandled)
  } finally {
    await app.stop()
  }
})

test('a form over the limit shows the sentence in the page, with JavaScript and without', async ({ page }) => {
  const sentence = 'Switchboard accepts at most 1 MiB here.'
  // With JavaScript: Remix submits the form (single fetch); its error boundary shows the sentence.
  await page.goto('/login')
  await waitForHydration(page)
  await page.getByLabel('Email').fill('someone@example.test')
  await page.getByLabel('Password').fill('a long enough password')
  await page.locator('form[method="post"]').last().evaluate((form) => {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = 'padding'
    input.value = 'x'.repeat(1_100_000)
    form.append(input)
  })
  const [answer] = await Promise.all([
    page.waitForResponse((response) => response.url().includes('/login.data')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
  expect(answer.status()).toBe(413)
  // The page's error boundary says it as the refusal page below does.
  await expect(page.getByRole('heading', { name: 'The form is too large' })).toBeVisible()
  await expect(page.getByText(sentence)).toBeVisible()

  // Without: the browser posts the document itself (what a no-JS browser does) and shows the refusal page.
  await page.goto('/login')
  await page.locator('form[method="post"]').last().evaluate((form) => {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = 'padding'
    input.value = 'x'.repeat(1_100_000)
    form.append(input)
    // form.submit() fires no submit event, so Remix does not take over.
    if (form instanceof HTMLFormElement) form.submit()
  })
  await expect(page.getByRole('heading', { name: 'The form is too large' })).toBeVisible()
  await expect(page.getByText(sentence)).toBeVisible()
  await page.getByRole('link', { name: 'Back to the form' }).click()
  await expect(page).toHaveURL(/\/login$/)
})
