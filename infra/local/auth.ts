import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import type { Group } from '../../shared/http/principal';

/**
 * The local stand-in for Cognito: an RS256 key pair generated into .local/auth/ (throwaway, never committed),
 * ID tokens with the claims Cognito puts in them (cognito:groups, custom:owner_id, custom:tenant_id), and the
 * verification API Gateway's JWT authorizer does (signature, issuer, audience, expiry).
 * Groups and ids are independent, as they are in Cognito (an admin sets each), so a token can carry an owner
 * id without the `owners` group: the handlers must refuse it exactly as they do on AWS.
 */
export const LOCAL_ISSUER = 'https://local-issuer.rent-payout.invalid';
export const LOCAL_AUDIENCE = 'rent-payout-local-client';

type Key = Awaited<ReturnType<typeof importJWK>>;

export type Role = 'owner' | 'tenant' | 'admin';

export const ROLE_GROUP: Record<Role, Group> = { owner: 'owners', tenant: 'tenants', admin: 'admins' };

export interface TokenRequest {
  sub: string;
  /** Shortcut for one group (owner -> owners, ...); `groups` replaces it when both are given. */
  role?: Role;
  /** The user's Cognito groups, any combination, none included. */
  groups?: readonly Group[];
  ownerId?: string;
  tenantId?: string;
  email?: string;
  ttlSeconds?: number;
}

export class LocalIssuer {
  private constructor(
    private readonly privateKey: Key,
    private readonly publicKey: Key,
    public readonly jwks: { keys: JWK[] },
    private readonly kid: string,
  ) {}

  public static async open(dir: string): Promise<LocalIssuer> {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'signing-key.json');
    let pair: { privateJwk: JWK; publicJwk: JWK };
    if (existsSync(file)) {
      pair = JSON.parse(readFileSync(file, 'utf8')) as typeof pair;
    } else {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const kid = `local-${Date.now().toString(36)}`;
      pair = {
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
      };
      writeFileSync(file, JSON.stringify(pair), { mode: 0o600 });
    }
    const privateKey = (await importJWK(pair.privateJwk, 'RS256')) as Key;
    const publicKey = (await importJWK(pair.publicJwk, 'RS256')) as Key;
    return new LocalIssuer(privateKey, publicKey, { keys: [pair.publicJwk] }, String(pair.publicJwk.kid));
  }

  public async issue(req: TokenRequest): Promise<string> {
    const groups = req.groups ?? (req.role ? [ROLE_GROUP[req.role]] : []);
    const claims: JWTPayload & Record<string, unknown> = {
      token_use: 'id',
      email: req.email ?? `${req.sub}@example.com`,
    };
    // Cognito leaves the claim out for a user in no group.
    if (groups.length > 0) claims['cognito:groups'] = [...groups];
    if (req.ownerId) claims['custom:owner_id'] = req.ownerId;
    if (req.tenantId) claims['custom:tenant_id'] = req.tenantId;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setSubject(req.sub)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${req.ttlSeconds ?? 12 * 3600}s`)
      .sign(this.privateKey);
  }

  /** What API Gateway's JWT authorizer does; null when the token is missing, forged, expired or not ours. */
  public async verify(token: string): Promise<JWTPayload | null> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ['RS256'],
      });
      return payload;
    } catch {
      return null;
    }
  }
}

/**
 * API Gateway HTTP APIs hand claims to the Lambda as strings; arrays become "[a b]". Do the same locally so
 * handlers see exactly what they will see on AWS.
 */
export function claimsAsApiGatewayStrings(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) out[key] = `[${value.join(' ')}]`;
    else if (value !== null && typeof value === 'object') out[key] = JSON.stringify(value);
    else if (value !== undefined) out[key] = String(value);
  }
  return out;
}
