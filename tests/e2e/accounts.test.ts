import { createUser, expect, test, uniqueEmail } from '#tests/fixtures.ts'

test('a newcomer signs up, lands in their personal workspace, signs out and signs in again', async ({ page, navigate }) => {
  const email = uniqueEmail('newcomer')
  const password = 'correct horse battery staple'
  await navigate('/')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.getByLabel('Name').fill('Ada Lovelace')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()

  await expect(page.getByRole('heading', { level: 1, name: "Ada Lovelace's workspace" })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('Welcome, Ada Lovelace!')
  await expect(page.getByText('Your role here: owner.')).toBeVisible()

  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('You are signed out.')

  await page.getByLabel('Email').fill(email.toUpperCase())
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { level: 1, name: "Ada Lovelace's workspace" })).toBeVisible()
})

test('signing up with an email that has an account shows the error on the field and keeps what was typed', async ({
  page,
  navigate,
  javaScriptEnabled,
}) => {
  const existing = await createUser()
  await navigate('/signup')
  await page.getByLabel('Name').fill('Someone Else')
  await page.getByLabel('Email').fill(existing.email)
  await page.getByLabel('Password').fill('a perfectly fine password')
  await page.getByRole('button', { name: 'Create account' }).click()

  const email = page.getByLabel('Email')
  await expect(page.getByText('An account with this email already exists')).toBeVisible()
  await expect(email).toHaveAttribute('aria-invalid', 'true')
  await expect(email).toHaveValue(existing.email)
  await expect(page.getByLabel('Name')).toHaveValue('Someone Else')
  // The server never sends the password back into the page (with JavaScript the browser
  // keeps what was typed in the field, which is not part of the HTML).
  expect(await page.content()).not.toContain('a perfectly fine password')
  if (!javaScriptEnabled) await expect(page.getByLabel('Password')).toHaveValue('')
})

test('a weak password and a malformed email are refused with messages next to the fields', async ({ page, navigate, javaScriptEnabled }) => {
  await navigate('/signup')
  await page.getByLabel('Name').fill('Grace')
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByLabel('Password').fill('short')
  if (!javaScriptEnabled) {
    // Without JavaScript the browser's own constraint validation (from the schema) would stop the
    // submission first; turn it off to prove the server answers on its own.
    await page.locator('form').evaluate((form) => form.setAttribute('novalidate', ''))
  }
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('Enter an email address like name@example.com')).toBeVisible()
  await expect(page.getByText('Use at least 10 characters')).toBeVisible()
})

test('a wrong password is refused without saying whether the account exists', async ({ page, navigate }) => {
  const user = await createUser()
  await navigate('/login')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill('definitely not it')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible()

  await page.getByLabel('Email').fill(uniqueEmail('nobody'))
  await page.getByLabel('Password').fill('definitely not it')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible()
})

test('a signed-out visitor who opens a workspace page is sent to sign in and then back to that page', async ({
  page,
  navigate,
}) => {
  const user = await createUser()
  await navigate(`/w/${user.workspaceId}/members`)
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible()
  expect(new URL(page.url()).pathname).toBe(`/w/${user.workspaceId}/members`)
})
