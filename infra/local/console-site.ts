import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { buildConsole } from '../../console/build';
import type { LocalIssuer, Role } from './auth';

/**
 * The operators' console on the local stack, beside the API on the same origin: the page under /admin/ (built
 * with esbuild when it is first asked for), its config.json, and a sign-in page at /_local/sign-in that issues
 * the local issuer's tokens, as `npm run token` does. The sign-in page exists only here: on AWS the console
 * signs in with Cognito's managed login.
 */
export const CONSOLE_PATH = '/admin/';
export const SIGN_IN_PATH = '/_local/sign-in';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
// The sign-in page is plain HTML with its few styles inline and no script.
const SIGN_IN_HEADERS = {
  ...PAGE_HEADERS,
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};
const MAX_FORM_BYTES = 4096;
const ID = /^[\w.@-]{1,128}$/;

export interface ConsoleSite {
  /** Serves the request if it is the console's or the sign-in page's; false leaves it to the API. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function safeReturn(path: string | null): string {
  return path && /^\/admin(\/[\w\-./?=&%~]*)?$/.test(path) && !path.startsWith('//')
    ? path
    : '/admin/payouts';
}

function signInPage(returnTo: string, error?: string): string {
  const field = (name: string, label: string, hint: string) =>
    `<p><label for="${name}">${label}</label><br><input id="${name}" name="${name}" autocomplete="off" aria-describedby="${name}-hint"><br><small id="${name}-hint">${hint}</small></p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local stack) · rent-payout</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Sign in to the local stack</h1>
<p>This page exists only in the local stack. It issues the same tokens as <code>npm run token</code>; on AWS the console signs in with Cognito.</p>
${error ? `<p role="alert" style="color: #c21d2c"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" action="${SIGN_IN_PATH}">
<input type="hidden" name="return" value="${escapeHtml(returnTo)}">
<p><label for="role">Role</label><br><select id="role" name="role"><option value="admin">admin (group admins)</option><option value="owner">owner (group owners)</option><option value="tenant">tenant (group tenants)</option></select></p>
${field('sub', 'User id', 'Letters, digits, . _ @ - (e.g. ops)')}
${field('owner_id', 'Owner id (owners only)', 'Defaults to the user id')}
${field('tenant_id', 'Tenant id (tenants only)', 'Defaults to the user id')}
<p><button type="submit">Sign in</button></p>
</form></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createConsoleSite(opts: { outdir: string; issuer: LocalIssuer }): ConsoleSite {
  let built: string | null = null;
  const dist = () => {
    built ??= buildConsole(opts.outdir).outdir;
    return built;
  };

  const signIn = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.method === 'GET') {
      return send(
        res,
        200,
        TYPES['.html'] as string,
        signInPage(safeReturn(url.searchParams.get('return'))),
        SIGN_IN_HEADERS,
      );
    }
    if (req.method !== 'POST')
      return send(res, 405, 'text/plain', 'Method Not Allowed', { allow: 'GET, POST' });
    const form = await readForm(req);
    const returnTo = safeReturn(form?.get('return') ?? null);
    const refuse = (message: string) =>
      send(res, 400, TYPES['.html'] as string, signInPage(returnTo, message));
    if (!form) return refuse('The form is too large.');
    const role = form.get('role');
    const sub = (form.get('sub') ?? '').trim();
    if (role !== 'admin' && role !== 'owner' && role !== 'tenant')
      return refuse('Choose admin, owner or tenant.');
    if (!ID.test(sub)) return refuse('Enter a user id: letters, digits, . _ @ - (at most 128).');
    const ownerId = (form.get('owner_id') ?? '').trim() || sub;
    const tenantId = (form.get('tenant_id') ?? '').trim() || sub;
    if (!ID.test(ownerId) || !ID.test(tenantId))
      return refuse('Ids are letters, digits, . _ @ - (at most 128).');
    const token = await opts.issuer.issue({
      role: role as Role,
      sub,
      ...(role === 'owner' ? { ownerId } : {}),
      ...(role === 'tenant' ? { tenantId } : {}),
    });
    // In the fragment, which the browser never sends to a server; the page moves it to sessionStorage.
    res.writeHead(303, { ...PAGE_HEADERS, location: `${returnTo}#id_token=${encodeURIComponent(token)}` });
    res.end();
  };

  return {
    handle: async (req, res, url) => {
      const path = url.pathname;
      if (path === SIGN_IN_PATH) {
        await signIn(req, res, url);
        return true;
      }
      if (path !== '/admin' && !path.startsWith(CONSOLE_PATH)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'text/plain', 'Method Not Allowed', { allow: 'GET' });
        return true;
      }
      if (path === '/admin') {
        res.writeHead(308, { location: CONSOLE_PATH });
        res.end();
        return true;
      }
      if (path === `${CONSOLE_PATH}config.json`) {
        const config = { apiUrl: '', auth: { kind: 'local', signInUrl: SIGN_IN_PATH } };
        send(res, 200, TYPES['.json'] as string, JSON.stringify(config));
        return true;
      }
      const dir = dist();
      if (path.startsWith(`${CONSOLE_PATH}assets/`)) {
        const rel = normalize(path.slice(CONSOLE_PATH.length));
        if (rel.startsWith('..') || !/^assets\/[\w-]+\.(js|css)$/.test(rel)) {
          send(res, 404, 'text/plain', 'Not Found');
          return true;
        }
        try {
          const body = await readFile(join(dir, rel));
          send(res, 200, TYPES[extname(rel)] as string, body, {
            'cache-control': 'public, max-age=31536000, immutable',
          });
        } catch {
          send(res, 404, 'text/plain', 'Not Found');
        }
        return true;
      }
      // Every other path under /admin/ is one of the page's own views.
      send(res, 200, TYPES['.html'] as string, await readFile(join(dir, 'index.html')));
      return true;
    },
  };
}
