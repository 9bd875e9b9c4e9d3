// Loading the tracer instruments fetch: each PhonePe and Cashfree call becomes an X-Ray subsegment.
import '../tracing';

/** Errors and a fetch wrapper shared by the PhonePe and Cashfree clients. */
export class UpstreamTimeoutError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamTimeoutError';
  }
}

export class UpstreamNetworkError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamNetworkError';
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/**
 * fetch with a hard timeout. A timeout or a network error says nothing about whether the other side acted
 * on the request, so callers treat both as an unknown outcome.
 */
export async function request(url: string, init: RequestInit & { timeoutMs: number }): Promise<RawResponse> {
  const { timeoutMs, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    const name = (cause as { name?: string })?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new UpstreamTimeoutError(`${init.method ?? 'GET'} ${url} timed out after ${timeoutMs} ms`, {
        cause,
      });
    }
    throw new UpstreamNetworkError(`${init.method ?? 'GET'} ${url} failed: ${(cause as Error)?.message}`, {
      cause,
    });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new UpstreamTimeoutError(`${init.method ?? 'GET'} ${url}: response body not received`, { cause });
  }
  let json: unknown = null;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return { status: response.status, headers: response.headers, text, json };
}
