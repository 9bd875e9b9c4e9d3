import { z } from 'zod';
import { API_ROUTES, errorResponse } from './api-routes';
import type { ApiRoute } from './api-routes';

/**
 * The OpenAPI 3.1 document, generated from the route table and the zod schemas the handlers parse with.
 * Served at /api/openapi.json and written to docs/openapi.json (`npm run openapi`; a test keeps it current).
 */
type JsonSchema = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function operation(route: ApiRoute) {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = route.doc.query ? schema(route.doc.query, 'input') : null;
  const queryParams = query
    ? Object.entries((query.properties ?? {}) as Record<string, JsonSchema>).map(([name, s]) => ({
        name,
        in: 'query',
        required: ((query.required as string[] | undefined) ?? []).includes(name),
        schema: s,
      }))
    : [];
  const responses: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(route.doc.responses)) {
    if (s === 'csv')
      responses[status] = { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } };
    else if (s === 'error')
      responses[status] = {
        description: 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    else
      responses[status] = {
        description: 'OK',
        content: { 'application/json': { schema: schema(s, 'output') } },
      };
  }
  return {
    operationId: `${route.fn}_${route.method.toLowerCase()}`,
    summary: route.doc.summary,
    tags: [route.doc.tag],
    ...(route.auth === 'jwt' ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(pathParams.length || queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
    ...(route.doc.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(route.doc.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApi(routes: readonly ApiRoute[] = API_ROUTES) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'rent-payout API',
      version: '1.0.0',
      description:
        "Tenant rent payments (PhonePe) and owner payouts (Cashfree). Ids are opaque, sortable strings (ULIDs), not integers. Money is a string with two decimals. Paths keep the Django API's trailing slashes; the same paths without them work too.",
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Cognito ID token (groups owners, tenants, admins)',
        },
      },
      schemas: { Error: schema(errorResponse, 'output') },
    },
    paths,
  };
}
