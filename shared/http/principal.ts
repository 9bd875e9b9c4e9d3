import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../errors';

export type Group = 'owners' | 'tenants' | 'admins';
export const GROUPS: readonly Group[] = ['owners', 'tenants', 'admins'];

/**
 * Who is calling, from the JWT claims that API Gateway's authorizer (or the local one) verified.
 * `ownerId` and `tenantId` are the directory records the caller may act as: the id claim counts only together
 * with its group (an owner id without the `owners` group is no owner), so no check can trust one without the
 * other. The id attributes are written by admins only (the app client cannot write them: infra/stateful-stack.ts).
 */
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
  return items.filter((g): g is Group => (GROUPS as readonly string[]).includes(g));
}

export function principalFromEvent(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || sub === '') throw new UnauthorizedError();
  const text = (key: string) => {
    const v = claims[key];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const groups = new Set(parseGroups(claims[CLAIMS.groups]));
  return {
    userId: sub,
    groups,
    ownerId: groups.has('owners') ? text(CLAIMS.ownerId) : null,
    tenantId: groups.has('tenants') ? text(CLAIMS.tenantId) : null,
  };
}

export function isAdmin(p: Principal): boolean {
  return p.groups.has('admins');
}

/** Whether the caller may act as this owner: a member of `owners` whose owner id is this one. */
export function mayActAsOwner(p: Principal, ownerId: string): boolean {
  return p.ownerId !== null && p.ownerId === ownerId;
}

/** Whether the caller may act as this tenant: a member of `tenants` whose tenant id is this one. */
export function mayActAsTenant(p: Principal, tenantId: string): boolean {
  return p.tenantId !== null && p.tenantId === tenantId;
}

/** An owner's data (payouts, their units' payments): the owner themselves, or an admin. */
export function maySeeOwnerData(p: Principal, ownerId: string): boolean {
  return isAdmin(p) || mayActAsOwner(p, ownerId);
}

/** The owner the caller acts as, for the owner-only routes (`/api/owners/me/...`); 403 for anyone else. */
export function requireOwner(p: Principal, message = 'Only owners can do this.'): string {
  if (p.ownerId === null) throw new ForbiddenError(message);
  return p.ownerId;
}

/** The tenant the caller acts as, for the tenant-only routes; 403 for anyone else. */
export function requireTenant(p: Principal, message = 'Only tenants can do this.'): string {
  if (p.tenantId === null) throw new ForbiddenError(message);
  return p.tenantId;
}
