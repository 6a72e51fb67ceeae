// Route files → URL paths, for the suites that visit every route (the authorization matrix and the
// security headers). Both follow the flat-routes naming of app/routes.ts, so a new route is covered
// without anyone listing it.

/** The ids a route path's dynamic segments are filled with. */
export type RouteIds = { workspaceId: string; serverId: string; userId: string; toolName: string; promptName?: string; uid?: string }

/**
 * The URL path of a route file of app/routes (`w.$workspaceId.settings.tsx`, a folder route's
 * `…/route.tsx`), with `ids` in its dynamic segments: `[.]` is a literal dot, `_index` and a trailing
 * `_` (no layout) add nothing to the URL.
 */
export function routePathOf(file: string, ids: RouteIds): string {
  const name = file.replace(/(\/route)?\.(tsx|ts)$/, '')
  if (name === '_index') return '/'
  const dynamic: Record<string, string> = {
    $workspaceId: ids.workspaceId,
    $serverId: ids.serverId,
    $userId: ids.userId,
    $toolName: ids.toolName,
    $promptName: ids.promptName ?? 'greeting',
    // An authorization in progress (agent consent); none exists unless a test starts one.
    $uid: ids.uid ?? 'no-such-interaction',
  }
  return (
    '/' +
    name
      .replace(/\[\.\]/g, '~dot~')
      .split('.')
      .filter((segment) => segment !== '_index')
      .map((segment) => segment.replace(/_$/, ''))
      .map((segment) => dynamic[segment] ?? segment)
      .join('/')
      .replace(/~dot~/g, '.')
  )
}
