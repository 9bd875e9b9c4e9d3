/**
 * What the page learns where it runs from /admin/config.json: written by the local stack, or on AWS by the
 * deployment from the stacks' values (API URL, Cognito domain and app client). Never edited by hand.
 */
export interface LocalAuth {
  kind: 'local';
  /** The local stack's sign-in page (it exists only there). */
  signInUrl: string;
}

export interface CognitoAuth {
  kind: 'cognito';
  /** https://<prefix>.auth.<region>.amazoncognito.com */
  domain: string;
  clientId: string;
  redirectUri: string;
  logoutUri: string;
}

export interface ConsoleConfig {
  /** Base URL of the HTTP API; '' when it is the page's own origin (the local stack). */
  apiUrl: string;
  auth: LocalAuth | CognitoAuth;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/admin/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const c = (await res.json()) as Partial<ConsoleConfig>;
  if (typeof c.apiUrl !== 'string' || !c.auth || (c.auth.kind !== 'local' && c.auth.kind !== 'cognito'))
    throw new Error('config.json is malformed');
  return c as ConsoleConfig;
}
