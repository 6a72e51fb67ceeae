import { recordAudit } from '#app/models/audit.server.ts'
import { OAuthProblem } from '#app/oauth/errors.server.ts'
import { beginAuthorization } from '#app/oauth/authorize.server.ts'
import type { OAuthServer } from '#app/oauth/client-identity.server.ts'

/**
 * Starts Connect for a signed-in person and records it: the 302 to the authorization server,
 * or the sentence that says why it could not start (also recorded as a failure).
 */
export async function startConnect(input: {
  server: OAuthServer
  userId: string
  sessionKey: string
  returnTo: string
  purpose?: 'connect' | 'step_up'
  extraScopes?: string[]
  tool?: string | null
}): Promise<{ ok: true; response: Response } | { ok: false; message: string }> {
  const { server, userId } = input
  const audit = { workspaceId: server.workspaceId, actorId: userId, server: { id: server.id, name: server.name } }
  try {
    const started = await beginAuthorization(input)
    await recordAudit({
      ...audit,
      event: input.purpose === 'step_up' ? 'oauth.step_up' : 'oauth.connect_started',
      issuer: started.discovery.issuer,
      scopes: started.scopes || null,
      detail: input.purpose === 'step_up' && input.tool ? `For the tool ${input.tool}` : null,
    })
    return {
      ok: true,
      response: new Response(null, {
        status: 302,
        headers: { Location: started.url, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
      }),
    }
  } catch (error) {
    if (!(error instanceof OAuthProblem)) throw error
    await recordAudit({ ...audit, event: 'oauth.connect_failed', outcome: 'failure', detail: error.message })
    return { ok: false, message: error.message }
  }
}
