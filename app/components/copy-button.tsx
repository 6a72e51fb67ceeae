import { useEffect, useState, useSyncExternalStore } from 'react'

const noSubscription = () => () => {}

/**
 * "Copy" for a block of text. It needs JavaScript (the clipboard API), so it appears only once the
 * page is hydrated; without JavaScript the text is selectable as it is.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  // False on the server and during hydration, true after: the button never mismatches the HTML.
  const ready = useSyncExternalStore(
    noSubscription,
    () => Boolean(navigator.clipboard),
    () => false,
  )
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const timer = setTimeout(() => setState('idle'), 2000)
    return () => clearTimeout(timer)
  }, [state])
  if (!ready) return null
  return (
    <button
      type="button"
      className="button button-small copy-button"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('failed'),
        )
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy' : label}</span>
    </button>
  )
}
