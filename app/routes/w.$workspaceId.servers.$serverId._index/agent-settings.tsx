// The server page's "Agents" card: whether the workspace's MCP endpoint offers this server and under which tool
// prefix, the URL of this server alone, and for owners and admins the form that changes both.
import { getFormProps } from '@conform-to/react'
import { Form } from '@remix-run/react'
import { CopyButton } from '#app/components/copy-button.tsx'
import { CheckboxField, ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { AGENT_PREFIX_MAX_LENGTH } from '#app/models/agent-prefix.ts'
import { type IntentReply, replyFor, usePageForm } from '#app/routes/w.$workspaceId.servers.$serverId._index/oauth-settings.tsx'
import { AgentAccessFormSchema, setAgentAccessIntent } from '#app/routes/w.$workspaceId.servers.$serverId._index/form-schema.ts'

export type AgentAccessView = {
  available: boolean
  prefix: string | null
  effectivePrefix: string
  derivedPrefix: string
  serverEndpoint: string
}

export function AgentSection({
  agents,
  canManage,
  reply,
  serverName,
  enabled,
}: {
  agents: AgentAccessView
  canManage: boolean
  reply: IntentReply
  serverName: string
  enabled: boolean
}) {
  return (
    <section className="card" aria-labelledby="agents-heading" id="agents">
      <h2 id="agents-heading">Agents</h2>
      {agents.available ? (
        <p>
          <span className="badge badge-ok">offered to agents</span> At the workspace’s endpoint its tools are named{' '}
          <code>{agents.effectivePrefix}_&lt;tool&gt;</code>.{enabled ? null : ' While the server is disabled, agents do not see it either.'}
        </p>
      ) : (
        <p>
          <span className="badge">not offered to agents</span> Agents connected to this workspace do not see its tools.
        </p>
      )}
      {agents.available ? (
        <>
          <p id="server-endpoint-help">
            To give an agent this server alone, with its tools, resources and prompts as the server names them, use this address instead of
            the workspace’s:
          </p>
          <pre className="code-block url-block" aria-describedby="server-endpoint-help">
            <code>{agents.serverEndpoint}</code>
          </pre>
          <CopyButton text={agents.serverEndpoint} label="Copy this server’s address" />
        </>
      ) : null}
      {canManage ? <AgentAccessForm agents={agents} reply={reply} serverName={serverName} /> : null}
    </section>
  )
}

function AgentAccessForm({ agents, reply, serverName }: { agents: AgentAccessView; reply: IntentReply; serverName: string }) {
  const [form, fields] = usePageForm('set-agent-access', AgentAccessFormSchema, replyFor(reply, setAgentAccessIntent), {
    available: agents.available ? 'on' : undefined,
    agentPrefix: agents.prefix ?? '',
  })
  return (
    <Form method="post" className="form" {...getFormProps(form)}>
      <h3>Agent settings</h3>
      <ErrorList id={form.errorId} errors={form.errors} />
      <CheckboxField
        meta={fields.available}
        label="Available to agents"
        help={`When ticked, the apps people connect to this workspace can use ${serverName}, each person with their own sign-in and only the tools you allow.`}
      />
      <Field
        meta={fields.agentPrefix}
        label="Agent tool prefix (optional)"
        placeholder={agents.derivedPrefix}
        help={
          <>
            Agents see each tool as <code>prefix_tool</code>. Leave empty to use <code>{agents.derivedPrefix}</code>, from the server’s name. Lower-case
            letters, digits and hyphens, up to {AGENT_PREFIX_MAX_LENGTH} characters, unique in this workspace. Changing it renames the tools for every
            agent.
          </>
        }
      />
      <StatusButton name="intent" value={setAgentAccessIntent} variant="secondary" pendingText="Saving…">
        Save agent settings
      </StatusButton>
    </Form>
  )
}
