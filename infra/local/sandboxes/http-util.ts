import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';

/** Small pieces both sandboxes use: body reading, JSON replies, atomic persistence. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SandboxRequestError(413, 'PAYLOAD_TOO_LARGE', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class SandboxRequestError extends Error {
  public constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

export function loadJson<T>(file: string | undefined): T | null {
  if (!file || !existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function saveJson(file: string | undefined, data: unknown): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, file);
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new SandboxRequestError(400, 'BAD_REQUEST', 'Malformed JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SandboxRequestError(400, 'BAD_REQUEST', 'JSON object expected');
  return value as Record<string, unknown>;
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Delivers a webhook with retries on non-2xx or network errors; every attempt is reported. */
export async function deliverWebhook(opts: {
  url: string;
  headers: Record<string, string>;
  body: string;
  backoffMs: number[];
  record: (attempt: { at: string; attempt: number; status: number | null; error?: string }) => void;
  isClosed: () => boolean;
}): Promise<boolean> {
  for (let attempt = 0; attempt <= opts.backoffMs.length; attempt += 1) {
    if (opts.isClosed()) return false;
    if (attempt > 0) await delay(opts.backoffMs[attempt - 1] ?? 0);
    if (opts.isClosed()) return false;
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: opts.headers,
        body: opts.body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.text();
      opts.record({ at: new Date().toISOString(), attempt: attempt + 1, status: res.status });
      if (res.status >= 200 && res.status < 300) return true;
    } catch (error) {
      opts.record({
        at: new Date().toISOString(),
        attempt: attempt + 1,
        status: null,
        error: (error as Error).message,
      });
    }
  }
  return false;
}
