// The `ownerKey` of an OAuthConnection row (prisma/models.prisma): a person's id, or this key for
// the workspace's shared connection. Rows' vocabulary, so queries below the OAuth wing can join on it.
export const SHARED_OWNER = 'shared'
