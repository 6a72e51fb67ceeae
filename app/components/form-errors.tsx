import { useNavigation } from '@remix-run/react'
import { useContext, useEffect } from 'react'
// NOTE: Remix v2 has no public hook for *every* route's action data (useActionData is the calling route's own).
// The shell needs it to put one error summary first in the content, server-rendered and hydrated alike; the
// router's state context is what useActionData itself reads, in the server render and in the browser.
import { UNSAFE_DataRouterStateContext as DataRouterStateContext } from 'react-router-dom'

/** The element a failed form submission moves focus to (with JavaScript). */
export const ERROR_SUMMARY_SELECTOR = '[data-error-summary]'
/** The prefix of the page title after a failed submission (entry.server.tsx writes it without JavaScript). */
export const ERROR_TITLE_PREFIX = 'Error: '

/**
 * The messages of a failed form submission in one route's action data, or null. Two shapes fail: a Conform reply
 * (`{ result: { status: 'error', error } }`, the house action shape) and a tool run that did not validate
 * (`{ kind: 'invalid' }`, whose form shows its own summary: `[]`, so the shell adds none).
 */
export function failedSubmissionMessages(actionData: unknown): string[] | null {
  if (!isRecord(actionData)) return null
  if (actionData.kind === 'invalid') return []
  const result = actionData.result
  if (!isRecord(result) || result.status !== 'error' || !isRecord(result.error)) return null
  const messages = Object.values(result.error).flatMap((value) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [],
  )
  return messages.length > 0 ? [...new Set(messages)] : null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The failed submission's messages across the matched routes (null: the last submission did not fail). */
export function useFailedSubmission(): string[] | null {
  const state = useContext(DataRouterStateContext)
  for (const data of Object.values(state?.actionData ?? {})) {
    const messages = failedSubmissionMessages(data)
    if (messages) return messages
  }
  return null
}

/**
 * One summary of a failed submission (how many things need fixing), first in the page's content so that a screen reader and a keyboard meet it
 * first (without JavaScript too). With JavaScript, focus moves to the first summary on the page (this one, or a
 * form's own, like the tool form's) once the submission has come back.
 */
export function FormErrorSummary() {
  const messages = useFailedSubmission()
  useFocusSummaryAfterSubmission(messages !== null)
  if (!messages || messages.length === 0) return null
  return (
    <div className="error-summary form-error-summary" data-error-summary="" tabIndex={-1} aria-labelledby="form-error-summary-title">
      <h2 id="form-error-summary-title" className="error-summary-title">
        There is a problem
      </h2>
      {/* NOTE: the count, not the messages again: each message stays next to its field (or at the top of its
          form), and saying it twice would make a page read it twice. */}
      <p className="error-summary-text">
        {messages.length === 1
          ? 'One thing needs fixing; it is marked in the form below.'
          : `${messages.length} things need fixing; they are marked in the form below.`}
      </p>
    </div>
  )
}

/** After a submission settles: focus the summary and say "Error: " in the title when it failed; else drop it. */
function useFocusSummaryAfterSubmission(failed: boolean) {
  const navigation = useNavigation()
  const idle = navigation.state === 'idle'
  useEffect(() => {
    if (!idle) return
    const title = document.title.startsWith(ERROR_TITLE_PREFIX) ? document.title.slice(ERROR_TITLE_PREFIX.length) : document.title
    document.title = failed ? `${ERROR_TITLE_PREFIX}${title}` : title
    if (!failed) return
    const summary = document.querySelector<HTMLElement>(`${ERROR_SUMMARY_SELECTOR}, .error-summary`)
    summary?.focus()
  }, [idle, failed])
}
