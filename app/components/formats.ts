// Dates, durations and call outcomes as every page shows them. Dates are UTC text cut from the ISO
// string, so the server and the browser render the same characters and hydration matches.

/** "2026-12-05 03:27 UTC" (or with seconds). */
export function formatUtc(iso: string, { seconds = false }: { seconds?: boolean } = {}): string {
  return `${iso.slice(0, seconds ? 19 : 16).replace('T', ' ')} UTC`
}

/** How long a tool call took: "18 ms", "1.4 s" (never split across lines). */
export function formatCallDuration(ms: number): string {
  return ms < 1000 ? `${ms}\u00a0ms` : `${(ms / 1000).toFixed(1)}\u00a0s`
}

/** The badge tone of a recorded tool call's outcome (ToolCallOutcome). */
export const CALL_OUTCOME_TONES: Readonly<Record<string, 'ok' | 'warn' | 'error' | 'neutral'>> = {
  success: 'ok',
  tool_error: 'warn',
  reauth_required: 'warn',
  failure: 'error',
  refused: 'neutral',
  cancelled: 'neutral',
}
