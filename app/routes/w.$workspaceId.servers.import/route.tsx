import { type SubmissionResult, getFormProps, getInputProps, getTextareaProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { CheckboxField, ErrorList } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireMembership, requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { EXPORT_FORMATS, EXPORT_FORMAT_LABELS } from '#app/servers/config-file/write.ts'
import { type ImportResult, importServers } from '#app/servers/import-servers.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { type ImportForm as ImportFormValue, ImportFormSchema } from '#app/routes/w.$workspaceId.servers.import/form-schema.ts'

// Pasted configuration holds header values (API keys): it is never sent back into the page.
const hideFields = ['text', 'file']

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  return { workspaceId: workspace.id, canImport: canManageWorkspace(role) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: ImportFormSchema })
  if (submission.status !== 'success') return data({ result: submission.reply({ hideFields }), outcome: null }, { status: 400 })
  const { file, text, includeUnreachable } = submission.value
  const outcome = await importServers({
    workspaceId: workspace.id,
    userId: user.id,
    text: file ? await file.text() : (text ?? ''),
    includeUnreachable,
  })
  if (!outcome.ok) {
    return data({ result: submission.reply({ fieldErrors: { file: [outcome.message] }, hideFields }), outcome: null }, { status: 400 })
  }
  // Saved: the form starts afresh; not saved: the page lists what to fix, the form keeps the checkbox.
  const result = submission.reply(outcome.saved ? { resetForm: true } : { hideFields })
  return data({ result, outcome }, { status: outcome.saved ? 200 : 400 })
}

export default function ImportServersRoute() {
  const { workspaceId, canImport } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <div className="page narrow-wide">
      <p>
        <Link to={`/w/${workspaceId}/servers`}>← Back to servers</Link>
      </p>
      <h1>Import and export</h1>
      <p className="lead">
        Bring the remote servers of an MCP client’s configuration into this workspace, or take this workspace’s servers to
        a client.
      </p>
      {actionData?.outcome ? <ImportResults workspaceId={workspaceId} outcome={actionData.outcome} /> : null}
      {canImport ? <ImportForm lastResult={actionData?.result} /> : null}
      <ExportForm workspaceId={workspaceId} />
    </div>
  )
}

function ImportForm({ lastResult }: { lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm<ImportFormValue>({
    id: 'import-servers',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ImportFormSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <section className="card" aria-labelledby="import-heading">
      <h2 id="import-heading">Import servers</h2>
      <p>
        Accepted: VS Code’s <code>mcp.json</code> (or the <code>"mcp"</code> part of its settings), Claude Desktop’s{' '}
        <code>claude_desktop_config.json</code>, Cursor’s <code>.cursor/mcp.json</code> and Claude Code’s{' '}
        <code>.mcp.json</code>. Each remote server is tested first; nothing is added until every entry is fine. Servers
        that run on your computer (stdio) are listed but stay in your client.
      </p>
      <Form method="post" encType="multipart/form-data" className="form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <div className="field">
          <label htmlFor={fields.file.id}>Configuration file</label>
          <input {...getInputProps(fields.file, { type: 'file' })} key={fields.file.key} accept=".json,.jsonc,application/json" />
          <ErrorList id={fields.file.errorId} errors={fields.file.errors} />
        </div>
        <div className="field">
          <label htmlFor={fields.text.id}>Or paste its contents</label>
          <p id={`${fields.text.id}-help`} className="field-help">
            Header values (API keys) are stored encrypted and never shown again.
          </p>
          <textarea
            {...getTextareaProps(fields.text, { ariaDescribedBy: `${fields.text.id}-help` })}
            key={fields.text.key}
            rows={8}
            spellCheck={false}
            className="code-input"
          />
        </div>
        <CheckboxField
          meta={fields.includeUnreachable}
          label="Also add servers that do not answer right now"
          help="Otherwise a server that cannot be reached stops the import, so that a mistyped URL is not saved."
        />
        <StatusButton pendingText="Testing the servers…">Import</StatusButton>
      </Form>
    </section>
  )
}

const RESULT_LABELS: Record<ImportResult['kind'], string> = {
  added: 'Added',
  ready: 'Ready',
  local: 'Not imported',
  skipped: 'Skipped',
  problem: 'Problem',
}

const RESULT_BADGES: Record<ImportResult['kind'], string> = {
  added: 'badge badge-ok',
  ready: 'badge',
  local: 'badge',
  skipped: 'badge',
  problem: 'badge badge-error',
}

function ImportResults({ workspaceId, outcome }: { workspaceId: string; outcome: { saved: boolean; format: string; results: ImportResult[] } }) {
  const added = outcome.results.filter((result) => result.kind === 'added').length
  const problems = outcome.results.filter((result) => result.kind === 'problem').length
  const summary = outcome.saved
    ? `${added === 0 ? 'No server' : added === 1 ? '1 server' : `${added} servers`} added from ${outcome.format}.`
    : `Nothing was added: ${problems === 1 ? '1 entry needs' : `${problems} entries need`} attention. Fix ${problems === 1 ? 'it' : 'them'} in the file and import it again.`
  return (
    <section className="card" aria-labelledby="import-results-heading">
      <h2 id="import-results-heading">{outcome.saved ? 'Import done' : 'Import stopped'}</h2>
      <p role="status" className={`callout ${outcome.saved ? 'callout-info' : 'callout-error'}`}>
        {summary}
      </p>
      <ul className="import-results">
        {outcome.results.map((result) => (
          <li key={result.name}>
            <span className={RESULT_BADGES[result.kind]}>{RESULT_LABELS[result.kind]}</span>{' '}
            {result.kind === 'added' ? <a href={`/w/${workspaceId}/servers/${result.serverId}`}>{result.name}</a> : <strong>{result.name}</strong>}
            {result.kind === 'problem' ? (
              <ul>
                {result.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            ) : (
              <>
                {' '}— {result.message}
                {'notes' in result && result.notes.length > 0 ? (
                  <ul>
                    {result.notes.map((note) => (
                      <li key={note}>{note}</li>
                    ))}
                  </ul>
                ) : null}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

function ExportForm({ workspaceId }: { workspaceId: string }) {
  return (
    <section className="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Export servers</h2>
      <p>
        A configuration file with every server of this workspace: names, URLs and header names. Header values are not
        in the file; your client asks for them or reads them from variables. OAuth servers sign you in from the client.
      </p>
      <Form method="get" action={`/w/${workspaceId}/servers/export`} className="form" reloadDocument>
        <fieldset className="field option-group">
          <legend>Format</legend>
          {EXPORT_FORMATS.map((format, index) => (
            <div key={format} className="option">
              <input type="radio" id={`export-${format}`} name="format" value={format} defaultChecked={index === 0} aria-describedby={`export-${format}-help`} />
              <label htmlFor={`export-${format}`}>
                {EXPORT_FORMAT_LABELS[format].label} (<code>{EXPORT_FORMAT_LABELS[format].fileName}</code>)
              </label>
              <p id={`export-${format}-help`} className="field-help">
                {EXPORT_FORMAT_LABELS[format].help}
              </p>
            </div>
          ))}
        </fieldset>
        <button type="submit" className="button">
          Download
        </button>
      </Form>
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Import and export servers · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
