/**
 * One error family for the whole system. HTTP-facing errors carry a status code and a public message;
 * the error middleware maps them to responses, and anything else becomes a 500 that leaks nothing.
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

export class HttpError extends AppError {
  public readonly statusCode: number;
  public readonly details?: FieldErrors;
  /** Response headers the error calls for (Retry-After). */
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

export class BadRequestError extends HttpError {
  public constructor(message: string, options?: { cause?: unknown; details?: FieldErrors }) {
    super(400, message, options);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends HttpError {
  public constructor(message = 'Authentication credentials were not provided or are invalid.') {
    super(401, message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  public constructor(message = 'You do not have permission to perform this action.') {
    super(403, message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  public constructor(message = 'Not found.') {
    super(404, message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  /** `retryAfterSeconds`: the conflict is short-lived, and the client may try again after that long. */
  public constructor(message: string, options?: { retryAfterSeconds?: number }) {
    super(
      409,
      message,
      options?.retryAfterSeconds === undefined
        ? undefined
        : { headers: { 'retry-after': String(options.retryAfterSeconds) } },
    );
    this.name = 'ConflictError';
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
