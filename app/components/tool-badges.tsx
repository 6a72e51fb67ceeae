import type { ToolBadge } from '#app/mcp/tool-annotations.ts'

const TONE_CLASS: Record<ToolBadge['tone'], string> = { ok: 'badge-ok', warn: 'badge-warn', info: 'badge-neutral' }

/**
 * A tool's annotation badges (and, when the workspace asks for it, "Asks to confirm"), as one
 * labelled list so a screen reader hears them as the tool's properties. Renders nothing without any.
 */
export function ToolBadges({ badges, needsConfirmation = false }: { badges: ToolBadge[]; needsConfirmation?: boolean }) {
  if (badges.length === 0 && !needsConfirmation) return null
  return (
    <ul className="tool-badges" aria-label="Annotations">
      {badges.map((badge) => (
        <li key={badge.key} className={`badge ${TONE_CLASS[badge.tone]}`}>
          {badge.label}
        </li>
      ))}
      {needsConfirmation ? <li className="badge badge-confirm">Asks to confirm</li> : null}
    </ul>
  )
}
