import { recordToolCall } from '#app/models/tool-call-log.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { demo, expect, test } from '#tests/fixtures.ts'

test('shots', async ({ page, login, navigate }, info) => {
  test.setTimeout(180_000)
  const owner = await login({ name: 'Shot Owner' })
  const ws = `/w/${owner.workspaceId}`
  const js = info.project.name
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await navigate(ws)
    await page.screenshot({ path: `/tmp/ac/overview-empty-${js}-${width}.png`, fullPage: true })
  }
  for (const [name, url] of [['Demo tools', demo.url], ['Key demo', demo.keyUrl]] as const) {
    await navigate(`${ws}/servers/new`)
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('MCP endpoint URL').fill(url)
    await page.getByRole('button', { name: 'Add server' }).click()
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  }
  const server = await getDb().mcpServer.findFirstOrThrow({ where: { workspaceId: owner.workspaceId, name: 'Demo tools' }, select: { id: true, name: true, workspaceId: true } })
  for (let i = 0; i < 40; i++) {
    await recordToolCall({ server, userId: owner.id, toolName: ['echo', 'add', 'slow'][i % 3] ?? 'echo', outcome: i % 11 === 5 ? 'failure' : i % 13 === 7 ? 'tool_error' : 'success', durationMs: 40 + ((i * 37) % 300) + (i % 9 === 0 ? 900 : 0), arguments: null })
  }
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await navigate(ws)
    await page.screenshot({ path: `/tmp/ac/overview-${js}-${width}.png`, fullPage: true })
    await navigate(`${ws}/servers/${server.id}`)
    await page.screenshot({ path: `/tmp/ac/server-${js}-${width}.png`, fullPage: true })
    await navigate(`${ws}/audit`)
    await page.screenshot({ path: `/tmp/ac/audit-${js}-${width}.png`, fullPage: true })
    await navigate(`${ws}/audit?kind=tool_call&server=${server.id}`)
    await page.screenshot({ path: `/tmp/ac/audit-filtered-${js}-${width}.png` })
  }
})
