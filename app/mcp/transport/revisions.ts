// The MCP revisions Switchboard speaks (README "MCP revisions", docs/decisions/023-mcp-2026-on-sdk-v2.md).

/** The newest MCP revision Switchboard speaks (the SDK's `server/discover` era). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28'
/** Every revision Switchboard speaks, newest first (README "MCP revisions"). */
export const SPOKEN_PROTOCOL_VERSIONS = [MODERN_PROTOCOL_VERSION, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const

/** Whether a remembered revision belongs to the 2025 era (opened with `initialize`, no `server/discover`). */
export function isLegacyRevision(version: string | null | undefined): boolean {
  return typeof version === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(version) && version < MODERN_PROTOCOL_VERSION
}
