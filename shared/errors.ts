/**
 * One error family for the whole system: domain errors say what went wrong (a kind, a public message), edge
 * errors carry their HTTP status; the error middleware maps both to responses, and anything else becomes a
 * 500 that leaks nothing.
 */
export class AppError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
  }
}

export interface FieldErrors {
  [field: string]: string[];
}

/**
 * What went wrong, in the domain's words. Use cases throw these and never a status code: the HTTP layer maps
 * each kind to its status (shared/http/middleware.ts), and a CLI or a state machine can read the same kinds.
 */
export type DomainErrorKind =
  | 'invalid' // the request cannot be served as asked (400)
  | 'forbidden' // the caller may not do this (403)
  | 'not_found' // no such thing, or not the caller's to see (404)
  | 'conflict' // the thing is not in a state that allows this (409)
  | 'rate_limited' // asked too often (429)
  | 'unavailable'; // a provider or a dependency did not answer; nothing was decided (503)

export class DomainError extends AppError {
  public readonly details?: FieldErrors;
  /** How long the caller should wait before trying again, when the error is short-lived. */
  public readonly retryAfterSeconds?: number;
  public constructor(
    public readonly kind: DomainErrorKind,
    message: string,
    options?: { cause?: unknown; details?: FieldErrors; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'DomainError';
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export class BadRequestError extends DomainError {
  public constructor(message: string, options?: { cause?: unknown; details?: FieldErrors }) {
    super('invalid', message, options);
    this.name = 'BadRequestError';
  }
}

export class ForbiddenError extends DomainError {
  public constructor(message = 'You do not have permission to perform this action.') {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends DomainError {
  public constructor(message = 'Not found.') {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends DomainError {
  /** `retryAfterSeconds`: the conflict is short-lived, and the client may try again after that long. */
  public constructor(message: string, options?: { retryAfterSeconds?: number }) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

export class RateLimitedError extends DomainError {
  public constructor(message: string, options?: { retryAfterSeconds?: number }) {
    super('rate_limited', message, options);
    this.name = 'RateLimitedError';
  }
}

/** A provider (PhonePe, Cashfree, Step Functions) did not answer: nothing was decided; try again later. */
export class UnavailableError extends DomainError {
  public constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('unavailable', message, options);
    this.name = 'UnavailableError';
  }
}

/** Errors of the HTTP edge itself (authentication, body size), with their status. */
export class HttpError extends AppError {
  public readonly statusCode: number;
  public readonly details?: FieldErrors;
  /** Response headers the error calls for. */
  public readonly headers?: Record<string, string>;
  public constructor(
    statusCode: number,
    message: string,
    options?: { cause?: unknown; details?: FieldErrors; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.details = options?.details;
    this.headers = options?.headers;
  }
}

export class UnauthorizedError extends HttpError {
  public constructor(message = 'Authentication credentials were not provided or are invalid.') {
    super(401, message);
    this.name = 'UnauthorizedError';
  }
}

export class PayloadTooLargeError extends HttpError {
  public constructor(message = 'Request body is too large.') {
    super(413, message);
    this.name = 'PayloadTooLargeError';
  }
}

/** A conditional write lost: the item was not in the state the caller expected. */
export class ConditionalWriteError extends AppError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConditionalWriteError';
  }
}

/** Configuration missing or malformed: fails a cold start loudly instead of running with a placeholder. */
export class ConfigError extends AppError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * A credentials secret still holds the placeholders the stack created: the function refuses its work (an HTTP
 * route answers 503) until an operator sets the real values. Names the secret and fields, never a value.
 */
export class PlaceholderCredentialsError extends ConfigError {
  public constructor(
    public readonly secretName: string,
    public readonly fields: readonly string[],
  ) {
    super(
      `Secret ${secretName} still has placeholder values in: ${fields.join(', ')}; set the real credentials`,
    );
    this.name = 'PlaceholderCredentialsError';
  }
}
