import { Link, isRouteErrorResponse, useParams, useRouteError } from '@remix-run/react'

/** What a page says for an error status: a title and a sentence a person can act on. */
export type ErrorText = { title: string; sentence: string }

/**
 * The title and sentence for `status`. `given` is the sentence a thrown Response carries ("Server not found",
 * "Only owners and admins…"); it is shown for expected statuses only, never for a 5xx (that text is not for people).
 */
export function errorText(status: number, given: string | null, notFound?: string): ErrorText {
  switch (status) {
    case 404:
      return {
        title: given ?? notFound ?? 'Not found',
        sentence: 'It does not exist, or you are not a member of the workspace it belongs to.',
      }
    case 403:
      return { title: 'Not allowed', sentence: `${given ?? 'Your role in this workspace does not allow that.'} Ask an owner or admin.` }
    case 413:
      // The same title as the refusal page a browser without JavaScript gets (app/server/request-body.ts).
      return { title: 'The form is too large', sentence: given ?? 'The request was larger than this page accepts.' }
    case 429:
      return { title: 'Too many attempts', sentence: given ?? 'Please wait a minute, then try again.' }
    case 400:
    case 415:
      return { title: 'Bad request', sentence: given ?? 'The request could not be understood.' }
    default:
      return { title: 'Something went wrong', sentence: 'The page could not be shown. Please try again.' }
  }
}

/**
 * The error boundary of a page: the status of a thrown Response in plain sentences, inside the page's layout
 * (a page under /w/:workspaceId keeps the workspace menu). `notFound` is the page's own 404 title, for a 404
 * that carries no sentence. `outsideWorkspace`: the workspace itself failed (the layout's boundary), so the way
 * back is "/", not the workspace.
 */
export function StatusErrorBoundary({ notFound, outsideWorkspace = false }: { notFound?: string; outsideWorkspace?: boolean }) {
  const error = useRouteError()
  const params = useParams()
  const workspaceId = outsideWorkspace ? undefined : params.workspaceId
  const status = isRouteErrorResponse(error) ? error.status : 500
  // Thrown responses carry a sentence meant for the person ("Server not found", ...).
  const given = isRouteErrorResponse(error) && typeof error.data === 'string' && error.data ? error.data : null
  const { title, sentence } = errorText(status, given, notFound)
  return (
    <div className="page narrow">
      <h1>{title}</h1>
      <p>{sentence}</p>
      <p>{workspaceId ? <Link to={`/w/${workspaceId}`}>Back to the workspace overview</Link> : <Link to="/">Go to your workspace</Link>}</p>
    </div>
  )
}

/** The shared boundary, for `export { ErrorBoundary } from '#app/components/error-boundary.tsx'` in a page route. */
export function ErrorBoundary() {
  return <StatusErrorBoundary />
}
