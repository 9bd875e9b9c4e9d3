import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { logger } from '../logger';
import { httpErrorResponses } from './middleware';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/**
 * The one middleware stack of every HTTP handler: logger context first, error responses, handler last.
 * Handlers stay thin: parse with zod, call one use case, shape the response.
 */
export function apiHandler(fn: (event: ApiEvent, context: Context) => Promise<ApiResult>) {
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrorResponses())
    .handler(fn);
}
