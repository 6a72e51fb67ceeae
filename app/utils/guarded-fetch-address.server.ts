import { lookup as dnsLookup } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { GuardedFetchError } from '#app/utils/guarded-fetch-errors.server.ts'
import { describeAddressClass, type AddressRules, type AddressVerdict } from '#app/utils/ip-rules.server.ts'

const PRIVATE_NETWORK_HINT =
  'Switchboard does not connect to private networks unless an administrator allows it (OUTBOUND_ALLOWED_NETWORKS).'

function blockedError(subject: string, verdict: Extract<AddressVerdict, { ok: false }>, resolved: boolean) {
  // A name's resolved addresses stay out of the message: it would tell a user the internal layout of our network.
  const what = resolved
    ? `${subject} resolves to ${describeAddressClass({ category: verdict.classification.category })}`
    : `${subject} is ${describeAddressClass(verdict.classification)}`
  return new GuardedFetchError('blocked_address', `${what}; ${PRIVATE_NETWORK_HINT}`)
}

/**
 * The DNS step of every connection: resolves all addresses, refuses the connection when any
 * of them is not allowed, and hands the checked addresses to the socket, so nothing resolves twice.
 */
export function guardedLookup(rules: AddressRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
      const first = addresses?.[0]
      if (error || !first) {
        const code = error?.code ? ` (${error.code})` : ''
        callback(
          new GuardedFetchError(
            'dns_failure',
            `The host name ${hostname} could not be resolved${code}. Check the spelling of the address.`,
          ),
          [],
        )
        return
      }
      // Refuse when any address is not allowed rather than connecting to the allowed ones:
      // a name that mixes public and private addresses is misconfigured or hostile.
      const verdict = rules.checkResolved(
        hostname,
        addresses.map((entry) => entry.address),
      )
      if (!verdict.ok) callback(blockedError(hostname, verdict, true), [])
      else if (options.all) callback(null, addresses)
      else callback(null, first.address, first.family)
    })
  }
}

/** Refuses a URL we must not send anything to; literals are checked here, names in guardedLookup. */
export function assertTarget(url: URL, rules: AddressRules): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GuardedFetchError(
      'bad_scheme',
      `Only http: and https: addresses are supported, not ${url.protocol} (host ${url.host || 'none'}).`,
    )
  }
  if (url.username || url.password) {
    throw new GuardedFetchError(
      'bad_url',
      `The address for ${url.host} contains a user name or password; Switchboard does not send credentials in URLs.`,
    )
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host)) {
    const verdict = rules.checkAddress(host)
    if (!verdict.ok) throw blockedError(host, verdict, false)
  }
}
