// Import and export (issue 11 point 17) in a real browser, JavaScript on and off: a VS Code mcp.json
// uploaded as a file adds its remote servers and lists the stdio one; a broken file says what is
// wrong per entry and adds nothing; export downloads a file without the header value.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'

test.describe.configure({ timeout: 90_000 })

function writeFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-import-'))
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

const vscodeFile = () =>
  fs
    .readFileSync(new URL('../support/config-files/vscode-mcp.json', import.meta.url), 'utf8')
    .replaceAll('{{OPEN_URL}}', demo.url)
    .replaceAll('{{KEYED_URL}}', demo.keyUrl)
    .replaceAll('{{API_KEY}}', demo.apiKey)

test('an admin imports a VS Code mcp.json, then exports the workspace for Cursor', async ({ page, login, navigate }) => {
  const user = await login()
  await navigate(`/w/${user.workspaceId}/servers`)
  await page.getByRole('link', { name: 'Import or export' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Import and export' })).toBeVisible()
  await expectNoAxeViolations(page)

  await page.getByLabel('Configuration file').setInputFiles(writeFile('mcp.json', vscodeFile()))
  await page.getByRole('button', { name: 'Import' }).click()
  const results = page.getByRole('region', { name: 'Import done' })
  await expect(results).toContainText('2 servers added from VS Code mcp.json.')
  await expect(results.getByRole('listitem').filter({ hasText: 'Local files' })).toContainText('Not imported')
  await expect(results).toContainText('Header X-Team takes its value from a variable in your client')
  await expect(page.locator('body')).not.toContainText(demo.apiKey)
  await expectNoAxeViolations(page)

  await results.getByRole('link', { name: 'Keyed demo' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Keyed demo' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Headers' }).getByRole('listitem').filter({ hasText: 'X-Api-Key' })).toBeVisible()

  await navigate(`/w/${user.workspaceId}/servers/import`)
  await page.getByLabel(/^Cursor/).check()
  const downloading = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Download' }).click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('mcp.json')
  const exported = JSON.parse(fs.readFileSync((await download.path()) ?? '', 'utf8'))
  expect(exported.mcpServers['Keyed demo']).toEqual({ url: demo.keyUrl, headers: { 'X-Api-Key': '${env:KEYED_DEMO_X_API_KEY}' } })
})

test('a file with a broken entry adds nothing and says what to fix', async ({ page, login, navigate }) => {
  const user = await login()
  await navigate(`/w/${user.workspaceId}/servers/import`)
  const broken = JSON.stringify({ mcpServers: { Fine: { url: demo.url }, Wrong: { url: 'ftp://example.com/mcp' } } })
  await page.getByLabel('Or paste its contents').fill(broken)
  await page.getByRole('button', { name: 'Import' }).click()
  const results = page.getByRole('region', { name: 'Import stopped' })
  await expect(results).toContainText('Nothing was added: 1 entry needs attention.')
  await expect(results.getByRole('listitem').filter({ hasText: 'Wrong' }).first()).toContainText('URL: Enter an http:// or https:// URL')
  await expectNoAxeViolations(page)
  expect(await getDb().mcpServer.count({ where: { workspaceId: user.workspaceId } })).toBe(0)
})
