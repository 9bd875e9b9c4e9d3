/**
 * The HTTP API as the console calls it: the bearer token on every call, the API's error shape
 * ({detail, errors: {field: [...]}}) as an ApiError, and a 401 handed to the sign-in.
 */
export class ApiError extends Error {
  public constructor(
    public readonly status: number,
    public readonly detail: string,
    public readonly errors: Record<string, string[]> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

interface ApiSetup {
  baseUrl: string;
  token: () => string;
  onUnauthorized: () => void;
}

let setup: ApiSetup | null = null;

export function configureApi(s: ApiSetup): void {
  setup = s;
}

export type Query = Record<string, string | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  if (!setup) throw new Error('API not configured');
  let res: Response;
  try {
    res = await fetch(`${setup.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${setup.token()}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'The API could not be reached. Check the connection and try again.');
  }
  if (res.status === 401) {
    setup.onUnauthorized();
    throw new ApiError(401, 'Your session has ended. Sign in again.');
  }
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    let errors: Record<string, string[]> = {};
    try {
      const b = (await res.json()) as {
        detail?: string;
        message?: string;
        errors?: Record<string, string[]>;
      };
      detail = b.detail ?? b.message ?? detail;
      errors = b.errors ?? {};
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, detail, errors);
  }
  return res;
}

export async function apiGet<T>(path: string, query?: Query): Promise<T> {
  return (await request('GET', withQuery(path, query))).json() as Promise<T>;
}

export async function apiSend<T>(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  return (await request(method, path, body)).json() as Promise<T>;
}

export async function apiBlob(path: string, query?: Query): Promise<Blob> {
  return (await request('GET', withQuery(path, query))).blob();
}
