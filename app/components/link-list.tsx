import { useNavigate } from '@remix-run/react'
import type { MouseEvent } from 'react'

/**
 * Client-side navigation for the plain links inside an element (a long table of them): one click
 * handler instead of a Remix `<Link>` per row. Each `<Link>` costs about 15 µs of server rendering; a
 * list of 50 servers spent a sixth of its time on them (bench/RESULTS.md, 2026-12-05). The links stay
 * real `<a href>`s: without JavaScript, and for a middle-click, a modified click or "open in new tab",
 * the browser follows them as usual.
 */
export function useLinkListNavigation() {
  const navigate = useNavigate()
  return (event: MouseEvent<HTMLElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null
    if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download') || link.origin !== window.location.origin) return
    event.preventDefault()
    navigate(link.pathname + link.search + link.hash)
  }
}
