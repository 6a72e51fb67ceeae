// "Use your workspace from an agent": the Overview's panel with the workspace's MCP endpoint and how to add it in
// Claude Code, VS Code and Cursor (the same words as the README's section of that name).
import { Link } from '@remix-run/react'
import { CopyButton } from '#app/components/copy-button.tsx'

export type AgentPanelView = {
  /** PUBLIC_URL/mcp/<workspace>. */
  endpoint: string
  /** The name the snippets give the server in the app's configuration. */
  name: string
  offered: number
  total: number
}

/** The snippets an app's configuration takes, by app. */
export function agentSnippets(name: string, url: string) {
  return {
    claudeCode: `claude mcp add --transport http ${name} ${url}`,
    vsCode: JSON.stringify({ servers: { [name]: { type: 'http', url } } }, null, 2),
    cursor: JSON.stringify({ mcpServers: { [name]: { url } } }, null, 2),
  }
}

function Snippet({ id, text, label, wrap = false }: { id: string; text: string; label: string; wrap?: boolean }) {
  return (
    <>
      <pre className={wrap ? 'code-block url-block' : 'code-block'} id={id}>
        <code>{text}</code>
      </pre>
      <CopyButton text={text} label={label} />
    </>
  )
}

export function AgentPanel({ agent, canManage, serversHref }: { agent: AgentPanelView; canManage: boolean; serversHref: string }) {
  const snippets = agentSnippets(agent.name, agent.endpoint)
  return (
    <section className="card" aria-labelledby="use-from-agent-heading" id="use-from-agent">
      <h2 id="use-from-agent-heading">Use your workspace from an agent</h2>
      <p>
        Add this one address to Claude Code, VS Code, Cursor or any MCP client: the agent gets the tools of this workspace’s servers, as you —
        with your own sign-ins, and only the tools the admins allow.
      </p>
      <Snippet id="agent-endpoint" text={agent.endpoint} label="Copy the address" wrap />
      <p className="muted">
        {agent.total === 0
          ? 'It has no servers yet.'
          : agent.offered === agent.total
          ? agent.total === 1
            ? 'Its one server is offered to agents.'
            : `All ${agent.total} of its servers are offered to agents.`
          : `${agent.offered} of its ${agent.total} servers are offered to agents.`}{' '}
        {canManage ? <Link to={serversHref}>Choose which on each server’s page.</Link> : null}
      </p>
      <h3>Add it to your app</h3>
      <details className="agent-client">
        <summary>Claude Code</summary>
        <p>Run this in a terminal:</p>
        <Snippet id="agent-claude-code" text={snippets.claudeCode} label="Copy the command" wrap />
      </details>
      <details className="agent-client">
        <summary>VS Code</summary>
        <p>
          Put this in <code>.vscode/mcp.json</code> in your project (or add the server to your user configuration with “MCP: Add Server”):
        </p>
        <Snippet id="agent-vs-code" text={snippets.vsCode} label="Copy the configuration" />
      </details>
      <details className="agent-client">
        <summary>Cursor</summary>
        <p>
          Put this in <code>~/.cursor/mcp.json</code> (or <code>.cursor/mcp.json</code> in a project):
        </p>
        <Snippet id="agent-cursor" text={snippets.cursor} label="Copy the configuration" />
      </details>
      <h3>On first use</h3>
      <ol>
        <li>The app opens Switchboard’s consent page in your browser (sign in first if you are not).</li>
        <li>The page names the app, where it sends you back to and this workspace. Choose Allow.</li>
        <li>
          The app lists the tools. A server you have not connected yet asks you to sign in when the agent first uses it: follow the link it
          shows, connect, and the agent tries again.
        </li>
      </ol>
      <p>
        See and revoke the apps you allowed on <Link to="/account/connected-apps">your connected apps</Link> page, under Account.
      </p>
    </section>
  )
}
