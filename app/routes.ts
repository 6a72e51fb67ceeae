import type { RouteConfig } from '@remix-run/route-config'
import { flatRoutes } from '@remix-run/fs-routes'

export default flatRoutes({
  // Folder routes keep helpers beside route.tsx (STYLE.md); these are never routes.
  ignoredRouteFiles: ['**/*.test.{ts,tsx}', '**/*.server.ts', '**/form-schema.ts', '**/.*'],
}) satisfies RouteConfig
