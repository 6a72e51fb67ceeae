import type { ProbeOutcome } from '#app/generated/prisma-sqlite/enums.ts'

type ProbeLabel = { label: string; tone: 'ok' | 'warn' | 'error' | 'neutral' }

/** Short labels for probe outcomes (app/mcp/probe.server.ts), for badges and tables: one for every stored outcome. */
const PROBE_LABELS: Record<string, ProbeLabel | undefined> = {
  open: { label: 'Reachable', tone: 'ok' },
  oauth: { label: 'Needs OAuth', tone: 'warn' },
  headers_required: { label: 'Needs headers', tone: 'warn' },
  credentials_required: { label: 'Needs credentials', tone: 'warn' },
  not_mcp: { label: 'Not an MCP endpoint', tone: 'error' },
  blocked: { label: 'Refused by outbound rules', tone: 'error' },
  dns_failure: { label: 'Host not found', tone: 'error' },
  connect_refused: { label: 'Connection refused', tone: 'error' },
  tls_error: { label: 'TLS error', tone: 'error' },
  timeout: { label: 'Timed out', tone: 'error' },
  too_large: { label: 'Answer too large', tone: 'error' },
  server_error: { label: 'Server error', tone: 'error' },
  network: { label: 'Network error', tone: 'error' },
  protocol_error: { label: 'Protocol error', tone: 'error' },
  forbidden: { label: 'Access refused', tone: 'error' },
} satisfies Record<ProbeOutcome, ProbeLabel>

export function probeLabel(outcome: string | null): string {
  return outcome ? (PROBE_LABELS[outcome]?.label ?? outcome) : 'Not tested'
}

export function ProbeBadge({ outcome }: { outcome: string | null }) {
  const entry = outcome ? PROBE_LABELS[outcome] : undefined
  return <span className={`badge badge-${entry?.tone ?? 'neutral'}`}>{probeLabel(outcome)}</span>
}
