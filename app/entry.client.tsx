import { RemixBrowser } from '@remix-run/react'
import { StrictMode, startTransition } from 'react'
import { hydrateRoot } from 'react-dom/client'

// entry.server.tsx marks the title of a failed submission's page and prefixes "Error: "; React rendered the title
// without it, so it comes off before hydration (and app/components/form-errors.tsx puts it back).
const markedTitle = document.querySelector('title[data-form-error]')
if (markedTitle) {
  markedTitle.removeAttribute('data-form-error')
  markedTitle.textContent = (markedTitle.textContent ?? '').replace(/^Error: /, '')
}

startTransition(() => {
  hydrateRoot(
    document,
    <StrictMode>
      <RemixBrowser />
    </StrictMode>,
  )
})
