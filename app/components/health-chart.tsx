// A server's health at a glance: its latest tool calls as bars (height: how long each took;
// colour and shape: whether it answered), drawn as inline SVG, with the same facts in a sentence
// that screen readers read instead of the picture. No chart library: thirty rectangles.

/** One call as the chart needs it (models/tool-call-log.server.ts → recentServerHealth). */
export type HealthSample = { outcome: 'success' | 'tool_error' | 'failure'; durationMs: number; at: string }

const BAR_WIDTH = 6
const BAR_GAP = 2
const CHART_HEIGHT = 40
/** A call too fast to see still gets a sliver, so every call is visible. */
const MIN_BAR_HEIGHT = 2
/** Slots drawn, so charts of servers with few calls keep one scale of width. */
const SLOTS = 30

/** A duration in words; the number and its unit never split across lines. */
function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}\u00a0ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}\u00a0s`
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] ?? 0) : Math.round(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2)
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`
}

/** The chart's facts in words: the text alternative, also shown under the chart. */
export function healthSummary(samples: HealthSample[], windowDays: number): string {
  if (samples.length === 0) return `No tool calls in the past ${windowDays} days.`
  const failed = samples.filter((s) => s.outcome === 'failure').length
  const toolErrors = samples.filter((s) => s.outcome === 'tool_error').length
  const answered = samples.length - failed
  const times = samples.filter((s) => s.outcome !== 'failure').map((s) => s.durationMs)
  const parts = [`${plural(answered, 'answered', 'answered')}${toolErrors ? ` (${plural(toolErrors, 'tool error', 'tool errors')})` : ''}`]
  if (failed) parts.push(`${failed} failed`)
  const typical = median(times)
  const timing = typical === null ? '' : ` Typical time ${formatMs(typical)}, slowest ${formatMs(Math.max(...times))}.`
  return `Last ${plural(samples.length, 'call', 'calls')}: ${parts.join(', ')}.${timing}`
}

/**
 * The chart of one server's latest calls with its sentence. `label` names the chart for people
 * who reach it by heading or landmark ("Health of Demo").
 */
export function HealthChart({ samples, label, windowDays = 7 }: { samples: HealthSample[]; label: string; windowDays?: number }) {
  const summary = healthSummary(samples, windowDays)
  if (samples.length === 0) return <p className="health-empty muted">{summary}</p>
  const shown = samples.slice(-SLOTS)
  const slowest = Math.max(1, ...shown.filter((s) => s.outcome !== 'failure').map((s) => s.durationMs))
  const width = SLOTS * (BAR_WIDTH + BAR_GAP) - BAR_GAP
  // Newest on the right, like a timeline; empty slots on the left when there are fewer calls.
  const offset = SLOTS - shown.length
  return (
    <figure className="health">
      <svg
        className="health-chart"
        viewBox={`0 0 ${width} ${CHART_HEIGHT}`}
        width={width}
        height={CHART_HEIGHT}
        role="img"
        aria-label={`${label}: ${summary}`}
        focusable="false"
      >
        <line className="health-baseline" x1={0} y1={CHART_HEIGHT - 0.5} x2={width} y2={CHART_HEIGHT - 0.5} />
        {shown.map((sample, index) => {
          const x = (offset + index) * (BAR_WIDTH + BAR_GAP)
          // A failure has no duration worth drawing: a full-height bar in the danger colour marks it.
          const height =
            sample.outcome === 'failure'
              ? CHART_HEIGHT
              : Math.max(MIN_BAR_HEIGHT, Math.round((sample.durationMs / slowest) * (CHART_HEIGHT - 4)))
          return (
            <rect
              key={`${sample.at}-${index}`}
              className={`health-bar health-bar-${sample.outcome}`}
              x={x}
              y={CHART_HEIGHT - height}
              width={BAR_WIDTH}
              height={height}
            />
          )
        })}
      </svg>
      <figcaption className="health-summary">{summary}</figcaption>
      {shown.some((s) => s.outcome !== 'success') ? (
        // The colours' key, for sighted readers: the sentence above already says it all.
        <ul className="health-legend" aria-hidden="true">
          <li className="health-key-success">answered</li>
          <li className="health-key-tool_error">tool error</li>
          <li className="health-key-failure">failed</li>
        </ul>
      ) : null}
    </figure>
  )
}

/**
 * The server page's "Recent calls" card: the chart, and for owners and admins a link to the
 * server's calls in the audit log.
 */
export function ServerHealthSection({ samples, serverName, auditHref }: { samples: HealthSample[]; serverName: string; auditHref: string | null }) {
  return (
    <section className="card health-card" aria-labelledby="health-heading">
      <h2 id="health-heading">Recent calls</h2>
      <HealthChart samples={samples} label={`Recent calls to ${serverName}`} />
      {auditHref ? (
        <p className="health-more">
          <a href={auditHref}>See these calls in the audit log</a>
        </p>
      ) : null}
    </section>
  )
}
