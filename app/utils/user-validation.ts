import { z } from 'zod'

// Shared by the forms (client-side constraints) and the actions (server-side parsing).
export const PASSWORD_MIN_LENGTH = 10
export const PASSWORD_MAX_LENGTH = 200
export const EMAIL_MAX_LENGTH = 254
export const NAME_MAX_LENGTH = 80
export const WORKSPACE_NAME_MAX_LENGTH = 80

export const EmailSchema = z
  .string({ error: 'Enter your email address' })
  .trim()
  .min(1, 'Enter your email address')
  .max(EMAIL_MAX_LENGTH, `An email address has at most ${EMAIL_MAX_LENGTH} characters`)
  .pipe(z.email('Enter an email address like name@example.com'))
  .transform((value) => value.toLowerCase())

export const NewPasswordSchema = z
  .string({ error: 'Choose a password' })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((value) => value.trim().length >= PASSWORD_MIN_LENGTH, 'A password cannot be mostly spaces')
  .refine((value) => new Set(value).size >= 4, 'This password is too easy to guess: use more different characters')

/** On sign-in any non-empty password is checked; only its length is bounded (hashing cost). */
export const PasswordSchema = z
  .string({ error: 'Enter your password' })
  .min(1, 'Enter your password')
  .max(PASSWORD_MAX_LENGTH, `A password has at most ${PASSWORD_MAX_LENGTH} characters`)

export const NameSchema = z
  .string({ error: 'Enter your name' })
  .trim()
  .min(1, 'Enter your name')
  .max(NAME_MAX_LENGTH, `Use at most ${NAME_MAX_LENGTH} characters`)

export const WorkspaceNameSchema = z
  .string({ error: 'Enter a name for the workspace' })
  .trim()
  .min(1, 'Enter a name for the workspace')
  .max(WORKSPACE_NAME_MAX_LENGTH, `Use at most ${WORKSPACE_NAME_MAX_LENGTH} characters`)
