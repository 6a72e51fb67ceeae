import { chromium } from '@playwright/test'
const base = 'http://127.0.0.1:3600'
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
const setup = await browser.newContext({ viewport: { width: 1280, height: 900 } })
const p = await setup.newPage()
await p.goto(base + '/signup')
await p.getByLabel('Name', { exact: true }).fill('Ada Lovelace')
await p.getByLabel('Email', { exact: true }).fill('ada@example.com')
await p.getByLabel('Password', { exact: true }).fill('correct horse battery staple')
await p.getByRole('button', { name: /create account|sign up/i }).click()
await p.waitForURL(/\/w\//)
const ws = /\/w\/([^/]+)/.exec(p.url())[1]
await p.goto(`${base}/w/${ws}/servers/import`)
await p.getByLabel('Or paste its contents').fill(JSON.stringify({ servers: { 'Demo': { type: 'http', url: 'http://127.0.0.1:3701/mcp' }, 'Keyed demo': { url: 'http://127.0.0.1:3102/mcp', headers: { 'X-Api-Key': 'demo-key-change-me' } }, 'Modern demo': { url: 'http://127.0.0.1:3705/mcp' }, 'Files': { command: 'npx', args: [] } } }))
await p.getByRole('button', { name: 'Import' }).click()
await p.getByRole('heading', { name: 'Import done' }).waitFor()
await p.screenshot({ path: '/tmp/shots/a-import-done.png', fullPage: true })
const serverId = /servers\/([^/"]+)/.exec(await p.getByRole('link', { name: 'Demo', exact: true }).getAttribute('href'))[1]
// a few runs for the history and charts
await p.goto(`${base}/w/${ws}/servers/${serverId}/tools/get_document`)
await p.getByRole('combobox').first().selectOption('readme')
await p.getByRole('button', { name: 'Run tool' }).click()
await p.getByRole('region', { name: 'Result' }).waitFor()
await p.waitForTimeout(800)
await p.goto(`${base}/w/${ws}/servers/${serverId}/tools/echo`)
await p.getByRole('textbox').first().fill('hello')
await p.getByRole('button', { name: 'Run tool' }).click()
await p.getByRole('region', { name: 'Result' }).waitFor()
await p.waitForTimeout(800)
const cookies = await setup.cookies()
const pages = [
  ['overview', `/w/${ws}`],
  ['servers', `/w/${ws}/servers`],
  ['server', `/w/${ws}/servers/${serverId}`],
  ['tools', `/w/${ws}/tools?q=doc`],
  ['tool', `/w/${ws}/servers/${serverId}/tools/get_document`],
  ['resources', `/w/${ws}/servers/${serverId}/resources`],
  ['prompt', `/w/${ws}/servers/${serverId}/prompts/review_document`],
  ['audit', `/w/${ws}/audit`],
  ['account', `/account`],
  ['invites', `/w/${ws}/invites`],
  ['policy', `/w/${ws}/servers/${serverId}/tool-policy`],
]
for (const [width, js, scheme] of [[1280, true, 'light'], [390, false, 'light'], [1280, true, 'dark']]) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: js, colorScheme: scheme })
  await context.addCookies(cookies)
  const page = await context.newPage()
  for (const [name, path] of pages) {
    if (scheme === 'dark' && !['overview', 'server', 'tool'].includes(name)) continue
    await page.goto(base + path)
    if (name === 'tool') {
      await page.getByRole('combobox').first().selectOption('changelog')
      await page.getByRole('button', { name: 'Run tool' }).click()
      await page.getByRole('region', { name: 'Result' }).waitFor()
    }
    await page.waitForTimeout(300)
    await page.screenshot({ path: `/tmp/shots/${name}-${width}-${js ? 'js' : 'nojs'}-${scheme}.png`, fullPage: true })
  }
  await context.close()
}
await browser.close()
