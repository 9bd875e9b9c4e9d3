import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthorizedError } from '../errors';

export type Group = 'owners' | 'tenants' | 'admins';

/** Who is calling, from the JWT claims that API Gateway's authorizer (or the local one) verified. */
export interface Principal {
  userId: string;
  groups: ReadonlySet<Group>;
  ownerId: string | null;
  tenantId: string | null;
}

export const CLAIMS = {
  groups: 'cognito:groups',
  ownerId: 'custom:owner_id',
  tenantId: 'custom:tenant_id',
} as const;

/**
 * API Gateway HTTP APIs pass array claims as a string like "[admins owners]"; a local or REST authorizer
 * may pass a real array or a comma list. Accept all three.
 */
export function parseGroups(value: unknown): Group[] {
  let items: string[] = [];
  if (Array.isArray(value)) items = value.map(String);
  else if (typeof value === 'string') items = value.replace(/^\[|\]$/g, '').split(/[\s,]+/);
  return items.filter((g): g is Group => g === 'owners' || g === 'tenants' || g === 'admins');
}

export function principalFromEvent(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || sub === '') throw new UnauthorizedError();
  const text = (key: string) => {
    const v = claims[key];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  return {
    userId: sub,
    groups: new Set(parseGroups(claims[CLAIMS.groups])),
    ownerId: text(CLAIMS.ownerId),
    tenantId: text(CLAIMS.tenantId),
  };
}

export function isAdmin(p: Principal): boolean {
  return p.groups.has('admins');
}
