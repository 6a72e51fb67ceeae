/** The flash message of the page: plain HTML with role="status", works without JavaScript. */
export function FlashMessage({ flash }: { flash: { kind: 'success' | 'error' | 'info'; message: string } | null }) {
  if (!flash) return null
  return (
    <div className={`flash flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
      {flash.message}
    </div>
  )
}
