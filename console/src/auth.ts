import type { CognitoAuth, ConsoleConfig } from './config';

/**
 * Signing in. On AWS: Cognito managed login, authorization code with PKCE (S256); the ID token is the bearer the
 * API's JWT authorizer checks (its audience is this app client). Locally: the local issuer's sign-in page, which
 * hands the same token back in the URL fragment. The token lives in sessionStorage: one tab, gone when closed.
 */
const TOKEN = 'rent-payout.console.id-token';
const PKCE = 'rent-payout.console.pkce';

export interface Session {
  token: string;
  sub: string;
  email: string | null;
  groups: string[];
  expiresAt: number;
}

function decodePayload(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const text = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The session a token stands for (the API checks the signature; the page only reads the claims). */
export function sessionOf(token: string): Session | null {
  const p = decodePayload(token);
  if (!p || typeof p.sub !== 'string' || typeof p.exp !== 'number') return null;
  const groups = Array.isArray(p['cognito:groups']) ? p['cognito:groups'].map(String) : [];
  return {
    token,
    sub: p.sub,
    email: typeof p.email === 'string' ? p.email : null,
    groups,
    expiresAt: p.exp * 1000,
  };
}

export function isAdminSession(s: Session): boolean {
  return s.groups.includes('admins');
}

function currentPath(): string {
  return `${location.pathname}${location.search}`;
}

function randomText(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** A safe place to return to after signing in: a path of this console, never another site. */
function safeReturn(path: string | null): string {
  return path && /^\/admin(\/|$)/.test(path) && !path.startsWith('//') ? path : '/admin/payouts';
}

async function finishCognito(auth: CognitoAuth, params: URLSearchParams): Promise<string | null> {
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? 'null') as {
    state: string;
    verifier: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem(PKCE);
  const code = params.get('code');
  if (!saved || !code || params.get('state') !== saved.state) return null;
  const res = await fetch(`${auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`Cognito refused the sign-in (HTTP ${res.status}).`);
  const body = (await res.json()) as { id_token?: string };
  if (!body.id_token) throw new Error('Cognito answered without an ID token.');
  sessionStorage.setItem(TOKEN, body.id_token);
  history.replaceState(null, '', safeReturn(saved.returnTo));
  return body.id_token;
}

/** The signed-in session, completing a sign-in that just came back; null when there is none. */
export async function restoreSession(config: ConsoleConfig): Promise<Session | null> {
  if (config.auth.kind === 'local' && location.hash.startsWith('#id_token=')) {
    const token = new URLSearchParams(location.hash.slice(1)).get('id_token');
    history.replaceState(null, '', currentPath());
    if (token) sessionStorage.setItem(TOKEN, token);
  }
  if (config.auth.kind === 'cognito') {
    const params = new URLSearchParams(location.search);
    if (params.has('code') || params.has('error')) await finishCognito(config.auth, params);
  }
  const token = sessionStorage.getItem(TOKEN);
  const session = token ? sessionOf(token) : null;
  if (!session || session.expiresAt <= Date.now() + 30_000) {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return session;
}

/** Leaves for the sign-in page; the page comes back to where the operator was. */
export async function signIn(config: ConsoleConfig, returnTo = currentPath()): Promise<void> {
  const target = safeReturn(returnTo);
  if (config.auth.kind === 'local') {
    location.assign(`${config.auth.signInUrl}?${new URLSearchParams({ return: target })}`);
    return;
  }
  const verifier = randomText(48);
  const state = randomText(16);
  sessionStorage.setItem(PKCE, JSON.stringify({ state, verifier, returnTo: target }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: config.auth.redirectUri,
    scope: 'openid email',
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${config.auth.domain}/oauth2/authorize?${query}`);
}

export function signOut(config: ConsoleConfig): void {
  sessionStorage.removeItem(TOKEN);
  if (config.auth.kind === 'cognito') {
    const q = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: config.auth.logoutUri });
    location.assign(`${config.auth.domain}/logout?${q}`);
  } else {
    location.assign(`${config.auth.signInUrl}?${new URLSearchParams({ return: '/admin/payouts' })}`);
  }
}
