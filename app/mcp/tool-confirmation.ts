// The tool page's confirmation of a call that an admin marked as needing one: the checkbox's
// name, shared by the form (browser) and the check (server).

/** The name of the "I confirm" checkbox on the tool page; it is not an argument of the tool. */
export const CONFIRM_RUN_FIELD = 'confirm-run'

/** What a call that needs confirming and came without it is told. */
export const CONFIRM_RUN_MISSING = 'An admin asks that calls of this tool are confirmed: tick “Yes, run this tool” and run it again.'
