import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import {
  BadRequestError,
  ConfigError,
  DomainError,
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
} from '../errors';
import type { DomainErrorKind, FieldErrors } from '../errors';
import { logger } from '../logger';
import { json } from './responses';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Turns domain errors (by kind) and HttpErrors into DRF-style bodies ({detail, errors}). A ConfigError met while serving (a secret still
 * holding placeholders, or missing fields) is our misconfiguration, not the caller's: 503, saying nothing of
 * which. Anything else is a 500 that leaks nothing.
 */
/** The HTTP status of each kind of domain error: the one place the domain meets status codes. */
export const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

/** The status an error is answered with (a ConfigError is our misconfiguration: 503; anything unknown: 500). */
export function statusOf(error: unknown): number {
  if (error instanceof DomainError) return STATUS_OF[error.kind];
  if (error instanceof HttpError) return error.statusCode;
  if (error instanceof ConfigError) return 503;
  return 500;
}

export function httpErrorResponses(): MiddlewareObj<Event, Result, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        request.response = json(
          STATUS_OF[error.kind],
          { detail: error.message, ...(error.details ? { errors: error.details } : {}) },
          error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) },
        );
        return;
      }
      if (error instanceof HttpError) {
        request.response = json(
          error.statusCode,
          { detail: error.message, ...(error.details ? { errors: error.details } : {}) },
          error.headers,
        );
        return;
      }
      if (error instanceof ConfigError) {
        logger.error('Service not configured', { error, path: request.event?.rawPath });
        request.response = json(
          503,
          { detail: 'The service is not available yet; please try again later.' },
          { 'retry-after': '60' },
        );
        return;
      }
      logger.error('Unhandled error', { error: error ?? undefined, path: request.event?.rawPath });
      request.response = json(500, { detail: 'Internal server error.' });
    },
  };
}

/** The raw body as text, decoding API Gateway's base64 and refusing more than 1 MB before any parsing. */
export function rawBody(event: Pick<Event, 'body' | 'isBase64Encoded'>): string {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.byteLength > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  return bytes.toString('utf8');
}

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const details: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : 'non_field_errors';
    (details[key] ??= []).push(issue.message);
  }
  return details;
}

/** Parses a JSON body against a zod schema: malformed JSON and wrong fields are 400s with field errors. */
export function parseJsonBody<S extends z.ZodType>(
  event: Pick<Event, 'body' | 'isBase64Encoded'>,
  schema: S,
): z.infer<S> {
  const text = rawBody(event);
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    throw new BadRequestError('Malformed JSON in request body.');
  }
  if (value === undefined) throw new BadRequestError('Request body is required.');
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new BadRequestError('Invalid request body.', { details: zodFieldErrors(parsed.error) });
  return parsed.data;
}

/** Validates path or query parameters; a bad id is a 404 for a path (no existence probing), 400 for a query. */
export function parseParams<S extends z.ZodType>(
  params: unknown,
  schema: S,
  kind: 'path' | 'query',
): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    if (kind === 'path') throw new NotFoundError();
    throw new BadRequestError('Invalid query parameters.', { details: zodFieldErrors(parsed.error) });
  }
  return parsed.data;
}
