// Switchboard's OAuth Client ID Metadata Document: authorization servers that support it fetch
// this URL (the client_id) instead of asking Switchboard to register. 404 when PUBLIC_URL is not
// https (the document is then never offered).
import { clientMetadataDocument } from '#app/oauth/client-identity.server.ts'

export function loader() {
  const document = clientMetadataDocument()
  if (!document) return new Response('Not found', { status: 404 })
  return Response.json(document, { headers: { 'Cache-Control': 'public, max-age=3600' } })
}
