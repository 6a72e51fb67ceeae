import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { accountThrottleKey, requireAnonymous, verifyLogin } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { createSession } from '#app/utils/session.server.ts'
import {
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_IP,
  recordThrottledEvent,
  resetThrottle,
  throttleRetryAfterMs,
} from '#app/utils/throttle.server.ts'
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
  // Anyone may sign in, also over an existing session: createSession then deletes that
  // session and issues a new id, so a session planted in this browser never survives a sign-in.
  const formData = await request.formData()
  const submission = parseWithZod(formData, { schema: LoginFormSchema })
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 })
  }
  const { email, password, redirectTo } = submission.value
  const accountKey = accountThrottleKey(email)
  const ipKey = `login-ip:${clientIpOf(context)}`
  // Checked before the password, so a throttled guesser learns nothing from the answer.
  const retryAfterMs = Math.max(
    await throttleRetryAfterMs(accountKey, LOGIN_FAILURES_PER_ACCOUNT),
    await throttleRetryAfterMs(ipKey, LOGIN_FAILURES_PER_IP),
  )
  if (retryAfterMs > 0) {
    const minutes = Math.ceil(retryAfterMs / 60_000)
    return data(
      {
        result: submission.reply({
          formErrors: [`Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`],
          hideFields: ['password'],
        }),
      },
      { status: 429, headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } },
    )
  }
  const userId = await verifyLogin(email, password)
  if (!userId) {
    await recordThrottledEvent(accountKey, LOGIN_FAILURES_PER_ACCOUNT)
    await recordThrottledEvent(ipKey, LOGIN_FAILURES_PER_IP)
    return data(
      { result: submission.reply({ formErrors: ['Email or password is incorrect.'], hideFields: ['password'] }) },
      { status: 400 },
    )
  }
  await resetThrottle(accountKey)
  const sessionCookie = await createSession(request, userId)
  return redirectWithFlash(
    safeRedirectPath(redirectTo, '/'),
    { kind: 'success', message: 'You are signed in.' },
    { headers: { 'Set-Cookie': sessionCookie } },
  )
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
