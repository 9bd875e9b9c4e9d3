import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiRoute } from '../api-routes';
import { apiGatewayPath } from '../api-routes';
import type { LocalIssuer } from './auth';
import { claimsAsApiGatewayStrings } from './auth';

/**
 * The local HTTP API: a node:http server that serves the same route table as API Gateway, builds payload
 * format 2.0 events, runs the JWT check the authorizer does, and maps the handler's result back to HTTP.
 */
export interface HttpAdapterOptions {
  port: number;
  host?: string;
  routes: readonly ApiRoute[];
  invoke: (route: ApiRoute, event: APIGatewayProxyEventV2) => Promise<unknown>;
  issuer: LocalIssuer;
  /** Serves what is not the API (the operators' console); false leaves the request to the routes. */
  serveOther?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

// API Gateway's own limit for HTTP API payloads.
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  params: string[];
}

function compile(route: ApiRoute): CompiledRoute {
  const params: string[] = [];
  const source = apiGatewayPath(route.path)
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (!m?.[1]) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  // API Gateway routes "/x/" to the "/x" route: accept an optional trailing slash.
  return { route, pattern: new RegExp(`^${source}/?$`), params };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json))/i.test(contentType);
}

export async function startHttpAdapter(
  opts: HttpAdapterOptions,
): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }> {
  const compiled = opts.routes.map(compile);

  const server = createServer((req, res) => {
    void (async () => {
      const started = Date.now();
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'GET' && url.pathname === '/.well-known/jwks.json')
        return send(res, 200, opts.issuer.jwks);
      if (method === 'GET' && url.pathname === '/payment-complete') {
        // Stands in for the tenant app's page that PhonePe's checkout redirects back to.
        const html =
          '<!doctype html><title>Payment submitted</title><p>Payment submitted. The tenant app now shows its status (GET /api/payments/{id}/).</p>';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(html);
      }
      if (opts.serveOther && (await opts.serveOther(req, res, url))) return;
      const candidates = compiled.filter((c) => c.pattern.test(url.pathname));
      // Like API Gateway, a static route wins over one with path parameters (export.csv over {id}).
      const match = candidates
        .filter((c) => c.route.method === method)
        .sort((a, b) => a.params.length - b.params.length)[0];
      if (!match) return send(res, 404, { message: 'Not Found' });
      const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
      const pathParameters = Object.fromEntries(
        match.params.map((name, i) => [name, decodeURIComponent(values[i] ?? '')]),
      );

      // API Gateway sets x-forwarded-proto; locally the scheme is plain http.
      const headers: Record<string, string> = { 'x-forwarded-proto': 'http' };
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }

      let claims: Record<string, string> | null = null;
      if (match.route.auth === 'jwt') {
        const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
        const payload = token ? await opts.issuer.verify(token) : null;
        if (!payload) return send(res, 401, { message: 'Unauthorized' });
        claims = claimsAsApiGatewayStrings(payload);
      }

      const raw = await readBody(req);
      if (raw === 'too_large') return send(res, 413, { message: 'Request Entity Too Large' });
      const textual = isTextual(headers['content-type']);
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const now = new Date();
      const routeKey = `${method} ${apiGatewayPath(match.route.path)}`;
      const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
        version: '2.0',
        routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        ...(match.params.length > 0 ? { pathParameters } : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'local',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          routeKey,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
        },
        ...(raw.length > 0 ? { body: textual ? raw.toString('utf8') : raw.toString('base64') } : {}),
        isBase64Encoded: raw.length > 0 && !textual,
      };

      let result: unknown;
      try {
        result = await opts.invoke(match.route, event);
      } catch (error) {
        // What API Gateway answers when the integration fails (the function threw or timed out).
        opts.log?.('Lambda invocation failed', { route: routeKey, error: (error as Error).message });
        return send(res, 500, { message: 'Internal Server Error' });
      }
      const structured: APIGatewayProxyStructuredResultV2 =
        result !== null && typeof result === 'object' && 'statusCode' in result
          ? (result as APIGatewayProxyStructuredResultV2)
          : {
              statusCode: 200,
              body: JSON.stringify(result),
              headers: { 'content-type': 'application/json' },
            };
      const body = structured.body
        ? Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8')
        : Buffer.alloc(0);
      const outHeaders: Record<string, string | string[]> = {
        ...(structured.headers as Record<string, string>),
      };
      if (structured.cookies?.length) outHeaders['set-cookie'] = structured.cookies;
      outHeaders['content-length'] = String(body.length);
      res.writeHead(structured.statusCode ?? 200, outHeaders);
      res.end(body);
      opts.log?.('request', { route: routeKey, status: structured.statusCode, ms: Date.now() - started });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      opts.log?.('adapter error', { error: (error as Error).message });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
