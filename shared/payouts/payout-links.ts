import type { ApiEvent } from '../http/api-handler';

/** An absolute URL for the same path with other query parameters (DRF's next/previous links). */
export function pageUrl(event: ApiEvent, params: Record<string, string | undefined>): string {
  const proto = event.headers?.['x-forwarded-proto'] ?? 'https';
  const host = event.headers?.host ?? event.requestContext.domainName;
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
  const qs = search.toString();
  return `${proto}://${host}${event.rawPath}${qs ? `?${qs}` : ''}`;
}
