import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireAnonymous } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { signIn } from '#app/utils/sign-in.server.ts'
import { describeWait } from '#app/utils/throttle.server.ts'
import { EmailSchema, PasswordSchema } from '#app/utils/user-validation.ts'

const LoginFormSchema = z.object({
  email: EmailSchema,
  password: PasswordSchema,
  redirectTo: z.string().optional(),
})

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request)
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData()
  const submission = parseWithZod(formData, { schema: LoginFormSchema })
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 })
  }
  const { email, password, redirectTo } = submission.value
  const outcome = await signIn(request, { email, password, address: clientIpOf(context) })
  if (outcome.ok) {
    const [session, device] = outcome.cookies
    return redirectWithFlash(
      safeRedirectPath(redirectTo, '/'),
      { kind: 'success', message: 'You are signed in.' },
      { headers: [['Set-Cookie', session], ['Set-Cookie', device]] },
    )
  }
  if (outcome.reason === 'throttled') {
    const formErrors = [`Too many failed sign-in attempts. Wait ${describeWait(outcome.retryAfterMs)}, then try again.`]
    const headers = { 'Retry-After': String(Math.ceil(outcome.retryAfterMs / 1000)) }
    return data({ result: submission.reply({ formErrors, hideFields: ['password'] }) }, { status: 429, headers })
  }
  return data({ result: submission.reply({ formErrors: ['Email or password is incorrect.'], hideFields: ['password'] }) }, { status: 400 })
}

export default function LoginRoute() {
  const actionData = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const [form, fields] = useForm({
    id: 'login',
    lastResult: actionData?.result,
    constraint: getZodConstraint(LoginFormSchema),
    defaultValue: { redirectTo: searchParams.get('redirectTo') ?? '' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: LoginFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow">
      <h1>Sign in</h1>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.email} label="Email" type="email" autoComplete="email" />
        <Field meta={fields.password} label="Password" type="password" autoComplete="current-password" />
        <input {...getInputProps(fields.redirectTo, { type: 'hidden' })} key={fields.redirectTo.key} />
        <StatusButton pendingText="Signing in…">Sign in</StatusButton>
      </Form>
      <p>
        New to Switchboard? <Link to="/signup">Create an account</Link>
      </p>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Sign in · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
