import { createContext, useContext } from 'react'

const NonceContext = createContext('')

/** Provides this response's CSP nonce to <Scripts> and friends (set by entry.server). */
export const NonceProvider = NonceContext.Provider

export function useNonce(): string {
  return useContext(NonceContext)
}
