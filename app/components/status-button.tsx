import { useNavigation } from '@remix-run/react'
import type { ButtonHTMLAttributes } from 'react'

/**
 * A submit button that is disabled while its own submission is pending (matched on
 * intent and form action). Without JavaScript it is a plain submit button.
 */
export function StatusButton({
  children,
  pendingText,
  variant = 'primary',
  formAction,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { pendingText?: string; variant?: 'primary' | 'secondary' | 'danger' }) {
  const navigation = useNavigation()
  const pending =
    navigation.state === 'submitting' &&
    (props.value === undefined || navigation.formData?.get(String(props.name ?? 'intent')) === props.value) &&
    (formAction === undefined || navigation.formAction === formAction)
  return (
    <button
      type="submit"
      className={`button button-${variant}`}
      {...props}
      formAction={formAction}
      disabled={pending || props.disabled}
      aria-disabled={pending || props.disabled}
    >
      {pending && pendingText ? pendingText : children}
    </button>
  )
}
