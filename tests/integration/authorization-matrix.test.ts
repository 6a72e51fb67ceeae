// Who may do what, for every loader and action of every route file. The list of routes comes
// from the app/routes folder itself: a new route without a row in EXPECTED fails this test, so
// nobody can add a page and forget to decide who may use it.
import { randomBytes } from 'node:crypto'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { addMember } from '#app/models/workspace.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { routePathOf } from '#tests/support/route-paths.ts'
import { createTestUser, formRequest, getRequest, loadContext, sessionCookieFor, settle, statusOf, headersOf } from '#tests/utils.ts'

type RouteModule = {
  loader?: (args: LoaderFunctionArgs) => unknown
  action?: (args: ActionFunctionArgs) => unknown
}

// Flat route files, and folder routes by their route.tsx (its helpers beside it are not routes).
const modules = import.meta.glob<RouteModule>(['/app/routes/*.{ts,tsx}', '/app/routes/*/route.tsx'], { eager: true })

type Who = 'anonymous' | 'outsider' | 'member' | 'admin' | 'owner'
const WHO: Who[] = ['anonymous', 'outsider', 'member', 'admin', 'owner']

/**
 * What happens, by the kind of answer: sent to sign in (302 to /login or 401), not found (404:
 * a workspace you don't belong to does not exist for you), forbidden (403), or allowed (anything
 * else, including 400 for the empty forms sent here).
 */
type Outcome = 'login' | 'not_found' | 'forbidden' | 'allowed'

const publicRoute: Record<Who, Outcome> = { anonymous: 'allowed', outsider: 'allowed', member: 'allowed', admin: 'allowed', owner: 'allowed' }
const signedIn: Record<Who, Outcome> = { anonymous: 'login', outsider: 'allowed', member: 'allowed', admin: 'allowed', owner: 'allowed' }
const members: Record<Who, Outcome> = { anonymous: 'login', outsider: 'not_found', member: 'allowed', admin: 'allowed', owner: 'allowed' }
const admins: Record<Who, Outcome> = { anonymous: 'login', outsider: 'not_found', member: 'forbidden', admin: 'allowed', owner: 'allowed' }

type Expectation = { loader?: Record<Who, Outcome>; action?: Record<Who, Outcome> }

/** Route file → who may call its loader and its action. */
const EXPECTED: Record<string, Expectation> = {
  '_index.tsx': { loader: publicRoute },
  // Unknown paths (app/routes/$.tsx and the workspace's own): not found for everyone; inside a workspace,
  // sign in first (the layout's rule).
  '$.tsx': { loader: { anonymous: 'not_found', outsider: 'not_found', member: 'not_found', admin: 'not_found', owner: 'not_found' } },
  'w.$workspaceId.$.tsx': { loader: { anonymous: 'login', outsider: 'not_found', member: 'not_found', admin: 'not_found', owner: 'not_found' } },
  'healthz.ts': { loader: publicRoute },
  'login.tsx': { loader: publicRoute, action: publicRoute },
  'signup.tsx': { loader: publicRoute, action: publicRoute },
  // Signing out ends whatever session is given and lands on the sign-in page, for everyone.
  'logout.ts': { loader: publicRoute, action: { anonymous: 'login', outsider: 'login', member: 'login', admin: 'login', owner: 'login' } },
  // Not signed in: a 401 page that says so. Anyone else: the state decides (400 here, no state).
  'oauth.callback.tsx': { loader: signedIn },
  // Public, but only offered on an https PUBLIC_URL; Vitest runs on http, so it is not found for anyone.
  'oauth.client-metadata[.]json.ts': { loader: { anonymous: 'not_found', outsider: 'not_found', member: 'not_found', admin: 'not_found', owner: 'not_found' } },
  'workspaces.new.tsx': { loader: signedIn, action: signedIn },
  // Consent for an agent (Switchboard's authorization server): sign in first; then the interaction in this browser
  // decides (none here: 400). Membership of the endpoint's workspace is checked with a real interaction in
  // tests/security/gateway-authorization.test.ts (a non-member may only deny).
  'agent.authorize.$uid/route.tsx': { loader: signedIn, action: signedIn },
  // A GET just goes home; the POST names the workspace in its body (empty here: 400 once signed in).
  'workspaces.switch.ts': { loader: publicRoute, action: signedIn },
  'w.$workspaceId.tsx': { loader: members },
  'w.$workspaceId._index/route.tsx': { loader: members },
  'w.$workspaceId.audit.tsx': { loader: admins },
  'w.$workspaceId.audit[.]csv.ts': { loader: admins },
  // Admins see the page (it says only owners may change anything); renaming and deleting are for owners.
  'w.$workspaceId.settings.tsx': { loader: admins, action: { ...admins, admin: 'forbidden' } },
  'w.$workspaceId.invites.tsx': { loader: admins, action: admins },
  'account/route.tsx': { loader: signedIn, action: signedIn },
  // Each person's own connected apps (the grant is looked up with its owner: tests/integration/connected-apps.test.ts);
  // across the workspace, owners and admins only.
  'account_.connected-apps.tsx': { loader: signedIn, action: signedIn },
  'w.$workspaceId.connected-apps.tsx': { loader: admins, action: admins },
  // Anyone may open an invite link; a link that is not one (none here) is not found for anyone, and
  // its forms answer 400 (the token is checked when one is sent: tests/integration/invites.test.ts).
  'invite.$token.tsx': {
    loader: { anonymous: 'not_found', outsider: 'not_found', member: 'not_found', admin: 'not_found', owner: 'not_found' },
    action: publicRoute,
  },
  'w.$workspaceId.members.tsx': { loader: members, action: admins },
  // Removing *another* member (the owner here): members may only remove themselves.
  'w.$workspaceId.members_.$userId.remove.tsx': { loader: { ...admins, admin: 'forbidden' }, action: { ...admins, admin: 'forbidden' } },
  'w.$workspaceId.tools.tsx': { loader: members },
  'w.$workspaceId.servers._index/route.tsx': { loader: members },
  'w.$workspaceId.servers.new.tsx': { loader: admins, action: admins },
  // The server page: every member sees it; changing the server is for admins (a member's own
  // "test my OAuth connection" is checked separately below).
  'w.$workspaceId.servers.$serverId._index/route.tsx': { loader: members, action: admins },
  'w.$workspaceId.servers.$serverId.edit.tsx': { loader: admins, action: admins },
  'w.$workspaceId.servers.$serverId.delete.tsx': { loader: admins, action: admins },
  // Connect and Disconnect are each person's own (a shared connection is for admins: below).
  'w.$workspaceId.servers.$serverId.connect.tsx': { loader: members, action: members },
  'w.$workspaceId.servers.$serverId.disconnect.tsx': { loader: members, action: members },
  'w.$workspaceId.servers.$serverId.tools.$toolName.tsx': { loader: members, action: members },
  // Which tools the workspace may use, and which ask to confirm: owners and admins only.
  'w.$workspaceId.servers.$serverId.tool-policy/route.tsx': { loader: admins, action: admins },
  // The streamed run of the tool page (JavaScript): the same people as its form.
  'w.$workspaceId.servers.$serverId.tools.$toolName_.run.ts': { action: members },
  // A server's resources and prompts are for every member, as its tools are.
  'w.$workspaceId.servers.$serverId.resources._index.tsx': { loader: members },
  'w.$workspaceId.servers.$serverId.resources.read.tsx': { loader: members },
  'w.$workspaceId.servers.$serverId.prompts._index.tsx': { loader: members },
  'w.$workspaceId.servers.$serverId.prompts.$promptName.tsx': { loader: members, action: members },
  // Import adds servers (admins); the page and the export are for every member (no secrets in them).
  'w.$workspaceId.servers.import/route.tsx': { loader: members, action: admins },
  'w.$workspaceId.servers.export.ts': { loader: members },
}

let demo: DemoMcpServer
const people = {} as Record<Who, string | undefined>
const userIds = {} as Record<Who, string | undefined>
let workspaceId = ''
let serverId = ''
let ownerId = ''

beforeAll(async () => {
  demo = await startDemoMcpServer()
  const owner = await createTestUser('Matrix owner')
  const admin = await createTestUser('Matrix admin')
  const member = await createTestUser('Matrix member')
  const outsider = await createTestUser('Matrix outsider')
  workspaceId = owner.workspaceId
  ownerId = owner.id
  await addMember(workspaceId, 'owner', admin.email, 'admin')
  await addMember(workspaceId, 'owner', member.email, 'member')
  const server = await getDb().mcpServer.create({
    data: { workspaceId, name: `Matrix ${randomBytes(3).toString('hex')}`, url: demo.url, timeoutMs: 5000 },
    select: { id: true },
  })
  serverId = server.id
  Object.assign(userIds, { anonymous: undefined, owner: owner.id, admin: admin.id, member: member.id, outsider: outsider.id })
  people.anonymous = undefined
  people.owner = await sessionCookieFor(owner.id)
  people.admin = await sessionCookieFor(admin.id)
  people.member = await sessionCookieFor(member.id)
  people.outsider = await sessionCookieFor(outsider.id)
})
afterAll(async () => {
  await demo?.close()
})

/** The URL path of a route file, with this test's workspace, server, tool and member filled in. */
function pathOf(file: string): string {
  return routePathOf(file, params())
}

function classify(result: unknown): Outcome {
  const status = statusOf(result)
  if (status === 401) return 'login'
  if (status === 302 && (headersOf(result).get('Location') ?? '').startsWith('/login')) return 'login'
  if (status === 404) return 'not_found'
  if (status === 403) return 'forbidden'
  return 'allowed'
}

const params = () => ({ workspaceId, serverId, userId: ownerId, toolName: 'echo', promptName: 'greeting' })

test('every route file has a row in the matrix, and every row names a route file', () => {
  const files = Object.keys(modules)
    .map((path) => path.replace('/app/routes/', ''))
    .filter((file) => !/\.(test|server)\.tsx?$/.test(file) && file !== 'form-schema.ts')
    .sort()
  expect(files).toEqual(Object.keys(EXPECTED).sort())
})

for (const [file, expectation] of Object.entries(EXPECTED)) {
  test(`${file}: loader and action answer each kind of person as expected`, async () => {
    const module = modules[`/app/routes/${file}`]
    expect(module, `no module for ${file}`).toBeDefined()
    expect(Boolean(module?.loader), `${file}: loader expectation vs export`).toBe(Boolean(expectation.loader))
    expect(Boolean(module?.action), `${file}: action expectation vs export`).toBe(Boolean(expectation.action))
    const seen: Record<string, Outcome> = {}
    const wanted: Record<string, Outcome> = {}
    for (const who of WHO) {
      // Signing out ends the session it is given: give it a session of its own.
      const userId = userIds[who]
      const cookie = file === 'logout.ts' && userId ? await sessionCookieFor(userId) : people[who]
      if (module?.loader && expectation.loader) {
        const result = await settle(async () => module.loader?.({ request: getRequest(pathOf(file), cookie), params: params(), context: loadContext() }))
        seen[`loader ${who}`] = classify(result)
        wanted[`loader ${who}`] = expectation.loader[who]
      }
      if (module?.action && expectation.action) {
        const result = await settle(async () =>
          module.action?.({ request: formRequest(pathOf(file), {}, cookie), params: params(), context: loadContext() }),
        )
        seen[`action ${who}`] = classify(result)
        wanted[`action ${who}`] = expectation.action[who]
      }
    }
    expect(seen).toEqual(wanted)
  })
}

test('a member may test their own OAuth connection on the server page, but not change the server', async () => {
  const { action } = modules['/app/routes/w.$workspaceId.servers.$serverId._index/route.tsx'] ?? {}
  const run = (intent: string) =>
    settle(async () =>
      action?.({ request: formRequest(pathOf('w.$workspaceId.servers.$serverId._index/route.tsx'), { intent }, people.member), params: params(), context: loadContext() }),
    )
  expect(classify(await run('test-oauth'))).toBe('allowed')
  for (const intent of ['set-oauth-client', 'set-oauth-shared', 'set-oauth-exception', 'set-header', 'set-enabled', 'test-connection']) {
    expect(classify(await run(intent)), intent).toBe('forbidden')
  }
})

test('only admins may connect or disconnect a shared OAuth connection', async () => {
  await getDb().mcpServer.update({ where: { id: serverId }, data: { authType: 'oauth', oauthClient: { upsert: { create: { shared: true }, update: { shared: true } } } } })
  try {
    for (const route of ['connect', 'disconnect'] as const) {
      const { action } = modules[`/app/routes/w.$workspaceId.servers.$serverId.${route}.tsx`] ?? {}
      const path = `/w/${workspaceId}/servers/${serverId}/${route}`
      const member = await settle(async () => action?.({ request: formRequest(path, {}, people.member), params: params(), context: loadContext() }))
      expect(classify(member), `${route} as member`).toBe('forbidden')
      const admin = await settle(async () => action?.({ request: formRequest(path, {}, people.admin), params: params(), context: loadContext() }))
      expect(classify(admin), `${route} as admin`).toBe('allowed')
    }
  } finally {
    await getDb().mcpServer.update({ where: { id: serverId }, data: { authType: 'none', oauthClient: { upsert: { create: { shared: false }, update: { shared: false } } } } })
  }
})

test('switching to a workspace you do not belong to finds nothing', async () => {
  const { action } = modules['/app/routes/workspaces.switch.ts'] ?? {}
  const result = await settle(async () =>
    action?.({ request: formRequest('/workspaces/switch', { workspaceId }, people.outsider), params: {}, context: loadContext() }),
  )
  expect(classify(result)).toBe('not_found')
})
