// The tool policy form: one form for every tool of a server. Unticked checkboxes send nothing,
// so the form also lists the tools it showed (`tools`): a tool listed but not ticked is off.
import { z } from 'zod'

export const saveToolPolicyIntent = 'save-tool-policy'

/** At most this many tools in one form (the page shows at most MAX_POLICY_TOOLS). */
const MAX_TOOLS = 1_000
/** Longer than any tool name a server may use (MCP names are at most 128 characters). */
const MAX_TOOL_NAME_CHARS = 1_000

const ToolNames = z.array(z.string().min(1).max(MAX_TOOL_NAME_CHARS)).max(MAX_TOOLS)

export const ToolPolicyFormSchema = z
  .object({
    intent: z.literal(saveToolPolicyIntent),
    tools: ToolNames.min(1, { error: 'This form lists no tools. Reload the page and try again.' }),
    enabled: ToolNames.default([]),
    confirm: ToolNames.default([]),
  })
  .superRefine((value, ctx) => {
    const shown = new Set(value.tools)
    if ([...value.enabled, ...value.confirm].some((name) => !shown.has(name))) {
      ctx.addIssue({ code: 'custom', message: 'The form changed while it was open. Reload the page and try again.' })
    }
  })
export type ToolPolicyForm = z.infer<typeof ToolPolicyFormSchema>
