import { apiHandler } from '../../shared/http/api-handler';
import { json } from '../../shared/http/responses';
import { buildOpenApi } from '../../infra/openapi';

const document = buildOpenApi();

/** GET /api/openapi.json (public): the API's OpenAPI 3.1 document. */
export const handler = apiHandler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
