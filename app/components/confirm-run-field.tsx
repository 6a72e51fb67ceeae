import { CONFIRM_RUN_FIELD } from '#app/mcp/tool-confirmation.ts'

/**
 * The "Yes, run this tool" checkbox of a tool an admin marked as needing confirmation. Required
 * in the browser; the server checks it again (mcp/tool-policy.server.ts), so it holds without JS.
 */
export function ConfirmRunField() {
  return (
    <div className="field field-checkbox confirm-run">
      <input type="checkbox" id={CONFIRM_RUN_FIELD} name={CONFIRM_RUN_FIELD} required aria-describedby={`${CONFIRM_RUN_FIELD}-help`} />
      <label htmlFor={CONFIRM_RUN_FIELD}>Yes, run this tool</label>
      <p id={`${CONFIRM_RUN_FIELD}-help`} className="field-help">
        An owner or admin of this workspace asks that every call of this tool is confirmed, because of what it may change.
      </p>
    </div>
  )
}
