import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import {
  Form,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLoaderData,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react'
import { type ReactNode, useEffect } from 'react'
import { FlashMessage } from '#app/components/flash.tsx'
import { FormErrorSummary } from '#app/components/form-errors.tsx'
import { useNonce } from '#app/components/nonce.tsx'
import { RouteAnnouncer } from '#app/components/route-announcer.tsx'
import { getUser } from '#app/utils/auth.server.ts'
import { readFlash } from '#app/utils/flash.server.ts'
import appStylesHref from '#app/styles/app.css?url'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: appStylesHref },
  // The .ico for browsers without SVG icons (and for clients that ask for /favicon.ico unprompted).
  { rel: 'icon', href: '/favicon.ico', sizes: '48x48' },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request)
  const { flash, clearHeader } = await readFlash(request)
  const body = { user: user ? { name: user.name, email: user.email } : null, flash }
  return clearHeader ? data(body, { headers: { 'Set-Cookie': clearHeader } }) : body
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce()
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  const { user, flash } = useLoaderData<typeof loader>()
  // A layout with a menu (the workspace's) renders its own <main> beside the menu, so "Skip to content" and the
  // main landmark hold the page's content, not the menu.
  const layoutOwnsMain = useMatches().some((match) => ownsMain(match.handle))
  // A marker for browser tests: from here on, forms go through Remix, not full page loads.
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true'
  }, [])
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          <span aria-hidden="true" className="brand-mark">
            ⌁
          </span>{' '}
          Switchboard
        </Link>
        {user ? (
          <div className="user-menu">
            <span className="user-name" title={user.email}>
              {user.name}
            </span>
            <Link to="/account">Account</Link>
            <Form method="post" action="/logout">
              <button type="submit" className="button button-link">
                Sign out
              </button>
            </Form>
          </div>
        ) : (
          <nav aria-label="Account" className="user-menu">
            <Link to="/login">Sign in</Link>
            <Link to="/signup" className="button button-secondary">
              Sign up
            </Link>
          </nav>
        )}
      </header>
      <div className="flash-region">
        <FlashMessage flash={flash} />
      </div>
      {layoutOwnsMain ? (
        <Outlet />
      ) : (
        <main id="main" tabIndex={-1}>
          <div className="shell-errors">
            <FormErrorSummary />
          </div>
          <Outlet />
        </main>
      )}
      <RouteAnnouncer />
    </>
  )
}

/** A route's `handle = { ownsMain: true }` says its layout renders `<main id="main">` itself. */
function ownsMain(handle: unknown): boolean {
  return typeof handle === 'object' && handle !== null && 'ownsMain' in handle && handle.ownsMain === true
}

export const meta: MetaFunction = () => [{ title: 'Switchboard' }]

export function ErrorBoundary() {
  const error = useRouteError()
  const rootData = useRouteLoaderData<typeof loader>('root')
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText || 'Error'}` : 'Something went wrong'
  const message = isRouteErrorResponse(error)
    ? typeof error.data === 'string' && error.data
      ? error.data
      : 'The page could not be shown.'
    : 'An unexpected error happened. It has been logged; please try again.'
  return (
    <main id="main" className="page narrow">
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <Link to="/">{rootData?.user ? 'Back to your workspace' : 'Back to the start page'}</Link>
      </p>
    </main>
  )
}
