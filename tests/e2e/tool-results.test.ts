import { getDb } from '#app/utils/db.server.ts'
import { expect, expectNoAxeViolations, test } from '#tests/fixtures.ts'
import { type HostileMcpServer, startHostileMcpServer } from '#tests/servers/hostile-mcp-server.ts'

// What a careless or hostile MCP server sends never reaches the browser whole, and never breaks a
// page: with JavaScript (the action's data) and without (the HTML of the POST), ADR 007 and 013.

let hostile: HostileMcpServer
test.beforeAll(async () => {
  hostile = await startHostileMcpServer()
})
test.afterAll(async () => {
  await hostile.close()
})

async function addHostileServer(workspaceId: string) {
  const row = await getDb().mcpServer.create({
    data: { workspaceId, name: 'Hostile', url: hostile.url, timeoutMs: 20_000 },
    select: { id: true },
  })
  return row.id
}

test('a 4.5 M-character result is cut on the server: the answer to Run is small and says how much was left out', async ({
  page,
  login,
  navigate,
  javaScriptEnabled,
}) => {
  const user = await login()
  const serverId = await addHostileServer(user.workspaceId)
  await navigate(`/w/${user.workspaceId}/servers/${serverId}/tools/huge_result`)
  const answer = page.waitForResponse((response) => response.request().method() === 'POST')
  await page.getByRole('button', { name: 'Run tool' }).click()
  const result = page.getByRole('region', { name: 'Result' })
  await expect(result).toContainText('Showing the first 100,000 of 4,500,000 characters.')
  // JS on: the streamed run's events; JS off: the whole HTML page. Either holds the 100,000 characters
  // shown (the HTML twice: the page and its hydration data), never the 4.5 M characters or 12 M of media.
  // The stream's size is read from the browser's resource timing (CDP keeps no body of an event stream).
  const size = javaScriptEnabled
    ? await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .filter((entry) => entry.name.endsWith('/run'))
          .map((entry) => (entry as PerformanceResourceTiming).decodedBodySize)
          .reduce((a, b) => Math.max(a, b), 0),
      )
    : (await (await answer).body()).length
  expect(size).toBeGreaterThan(100_000)
  expect(size).toBeLessThan(400_000)
  await expect(result).toContainText('Showing the first 100,000 of 4,500,000 characters.')
  await expect(result).toContainText('Not shown: the image is too large to display here (4.3 MB).')
  await expect(result).toContainText('Binary resource file:///huge.bin')
  await expect(result.locator('img')).toHaveCount(0)
  await expectNoAxeViolations(page)
})

test('a schema nested 3,000 deep and a result nested 200,000 deep show “too deep to display” instead of breaking the pages', async ({
  page,
  login,
  navigate,
}) => {
  const user = await login()
  await addHostileServer(user.workspaceId)
  await navigate(`/w/${user.workspaceId}/tools`)
  await expect(page.getByText('This tool’s input schema is nested too deeply to display (more than 64 levels).')).toBeVisible()

  await page.getByRole('link', { name: 'deep_schema' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'deep_schema' })).toBeVisible()
  await expect(page.getByText(/^This tool’s input schema is nested too deeply to display/)).toBeVisible()
  await page.getByText('Input schema', { exact: true }).click()
  await expect(page.getByText('The input schema is nested too deeply to display (more than 100 levels).')).toBeVisible()

  await page.getByLabel('Arguments (JSON)').fill('{"next": "x"}')
  await page.getByRole('button', { name: 'Run tool' }).click()
  const result = page.getByRole('region', { name: 'Result' })
  await expect(result).toContainText('Deep result')
  await expect(result).toContainText('The structured content is nested too deeply to display (more than 100 levels).')
  await expectNoAxeViolations(page)
})
