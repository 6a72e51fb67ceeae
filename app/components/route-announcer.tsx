import { useLocation } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'

/**
 * A polite live region that says the new page's title after a client-side navigation, as a full page load
 * would for a screen reader. Not on the first render (the browser announces that page itself), and not for a
 * form answered on the same page (its flash or error summary speaks for it).
 */
export function RouteAnnouncer() {
  const { pathname } = useLocation()
  const [message, setMessage] = useState('')
  const previous = useRef(pathname)
  useEffect(() => {
    if (previous.current === pathname) return
    previous.current = pathname
    // Remix's <Meta> has set the new title in this commit: effects run after it.
    setMessage(document.title)
  }, [pathname])
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-route-announcer="">
      {message}
    </div>
  )
}
