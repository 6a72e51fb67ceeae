import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { accountAddressThrottleKey, accountThrottleKey, requireAnonymous, verifyLogin } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { createSession } from '#app/utils/session.server.ts'
import {
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  LOGIN_FAILURES_PER_ADDRESS,
  backoffRetryAfterMs,
  describeWait,
  recordFailure,
  resetThrottle,
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
  const address = clientIpOf(context)
  // Three counters with growing delays (docs/decisions/012-sign-in-throttling.md): this account from
  // this address (strict), this account from anywhere (loose, short delays: failures elsewhere never
  // lock the owner out), and this address against any account (credential stuffing).
  const pairKey = accountAddressThrottleKey(email, address)
  const counters = [
    { key: pairKey, rule: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS },
    { key: accountThrottleKey(email), rule: LOGIN_FAILURES_PER_ACCOUNT },
    { key: `login-ip:${address}`, rule: LOGIN_FAILURES_PER_ADDRESS },
  ]
  // Checked before the password, so a throttled guesser learns nothing from the answer; a refused
  // attempt is not counted, so waiting is all it takes.
  const waits = await Promise.all(counters.map(({ key, rule }) => backoffRetryAfterMs(key, rule)))
  const retryAfterMs = Math.max(...waits)
  if (retryAfterMs > 0) {
    return data(
      {
        result: submission.reply({
          formErrors: [`Too many failed sign-in attempts. Wait ${describeWait(retryAfterMs)}, then try again.`],
          hideFields: ['password'],
        }),
      },
      { status: 429, headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } },
    )
  }
  const userId = await verifyLogin(email, password)
  if (!userId) {
    for (const { key, rule } of counters) await recordFailure(key, rule)
    return data(
      { result: submission.reply({ formErrors: ['Email or password is incorrect.'], hideFields: ['password'] }) },
      { status: 400 },
    )
  }
  // Only this address's count for the account starts over: failures from elsewhere are someone
  // else's, and keep slowing them.
  await resetThrottle(pairKey)
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
