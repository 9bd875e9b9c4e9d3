import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../infra/api-routes';
import { buildOpenApi } from '../../infra/openapi';

describe('OpenAPI document', () => {
  const doc = buildOpenApi();

  it('has every route of the route table, with its auth', () => {
    for (const route of API_ROUTES) {
      const op = (doc.paths[route.path] as Record<string, { security: unknown[] }> | undefined)?.[
        route.method.toLowerCase()
      ];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!.security).toEqual(route.auth === 'jwt' ? [{ bearer: [] }] : []);
    }
  });

  it('is the committed docs/openapi.json (run `npm run openapi` after changing a route or schema)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('describes the payout with the Django field names', () => {
    const get = (
      doc.paths['/api/owner-payouts/{id}/'] as {
        get: {
          responses: Record<
            string,
            { content: Record<string, { schema: { properties: Record<string, unknown> } }> }
          >;
        };
      }
    ).get;
    const props = Object.keys(get.responses['200']!.content['application/json']!.schema.properties);
    expect(props).toEqual(
      expect.arrayContaining([
        'id',
        'payment_id',
        'owner_id',
        'amount',
        'status',
        'beneficiary_type',
        'cashfree_transfer_id',
        'cashfree_utr',
        'retry_count',
        'initiated_at',
        'completed_at',
        'error_message',
        'attempts',
      ]),
    );
  });
});
