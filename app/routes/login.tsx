import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { accountAddressThrottleKey, accountThrottleKey, requireAnonymous, verifyLogin } from '#app/utils/auth.server.ts'
import { deviceCookieFor, knownDeviceId } from '#app/utils/device-cookie.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { createSession } from '#app/utils/session.server.ts'
import {
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE,
  LOGIN_FAILURES_PER_ADDRESS,
  describeWait,
  releaseAttempt,
  reserveAttempts,
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
  // Growing delays (docs/decisions/012-sign-in-throttling.md). A browser that signed in to this
  // account before (a valid device cookie) has its own counter and skips the account-wide one, so
  // guesses from elsewhere never keep the owner out. Any other attempt counts against this account
  // from this address (strict) and from anywhere (loose, short delays). Every attempt counts against
  // its address (credential stuffing across accounts).
  const deviceId = await knownDeviceId(request, email)
  const ownKey = deviceId ? `login-account-device:${deviceId}` : accountAddressThrottleKey(email, address)
  const addressCounter = { key: `login-ip:${address}`, rule: LOGIN_FAILURES_PER_ADDRESS }
  const counters = deviceId
    ? [{ key: ownKey, rule: LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE }, addressCounter]
    : [
        { key: ownKey, rule: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS },
        { key: accountThrottleKey(email), rule: LOGIN_FAILURES_PER_ACCOUNT },
        addressCounter,
      ]
  // The attempt is counted as a failure before the password is checked, in one conditional statement
  // per counter: of parallel guesses only as many as the counters allow reach the password. A refused
  // attempt counts nothing, so waiting is all it takes, and the guesser learns nothing about the password.
  const reserved = await reserveAttempts(counters)
  if (!reserved.ok) {
    return data(
      {
        result: submission.reply({
          formErrors: [`Too many failed sign-in attempts. Wait ${describeWait(reserved.retryAfterMs)}, then try again.`],
          hideFields: ['password'],
        }),
      },
      { status: 429, headers: { 'Retry-After': String(Math.ceil(reserved.retryAfterMs / 1000)) } },
    )
  }
  const userId = await verifyLogin(email, password)
  if (!userId) {
    return data(
      { result: submission.reply({ formErrors: ['Email or password is incorrect.'], hideFields: ['password'] }) },
      { status: 400 },
    )
  }
  // This browser's (or address's) count for the account starts over. The other counters only take
  // back this attempt: failures from elsewhere are someone else's, and keep slowing them.
  await resetThrottle(ownKey)
  for (const reservation of reserved.reservations) if (reservation.key !== ownKey) await releaseAttempt(reservation)
  const sessionCookie = await createSession(request, userId)
  const deviceCookie = await deviceCookieFor(request, email)
  return redirectWithFlash(
    safeRedirectPath(redirectTo, '/'),
    { kind: 'success', message: 'You are signed in.' },
    {
      headers: [
        ['Set-Cookie', sessionCookie],
        ['Set-Cookie', deviceCookie],
      ],
    },
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

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
