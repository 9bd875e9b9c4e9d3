import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { parseJsonObject, readBody, SandboxRequestError, sendJson } from './http-util';

/**
 * The faults a sandbox injects on demand: global ones, and ones scoped to one key (a Cashfree beneficiary, a
 * PhonePe order) that only calls about that key meet. A call looks at its scope's own faults first, then at the
 * global ones, so a test can aim a fault at its own payment and be sure no other payment spends it.
 */
type NumberKey<F> = { [K in keyof F]-?: NonNullable<F[K]> extends number ? K : never }[keyof F];

export class FaultBook<F extends object> {
  private global: F;
  private readonly scoped = new Map<string, Partial<F>>();

  public constructor(private readonly empty: () => F) {
    this.global = empty();
  }

  /** Where a call about `scope` looks for faults, in order: the scope's own, then the global ones. */
  public sets(scope?: string): Partial<F>[] {
    const own = scope === undefined ? undefined : this.scoped.get(scope);
    return own ? [own, this.global] : [this.global];
  }

  /** Spends one of a counted fault (n × 500, n × no answer...): true when the call is to meet it. */
  public take(key: NumberKey<F>, scope?: string): boolean {
    for (const set of this.sets(scope)) {
      const n = (set[key] as number | undefined) ?? 0;
      if (n > 0) {
        (set as Record<NumberKey<F>, number>)[key] = n - 1;
        return true;
      }
    }
    return false;
  }

  /** Spends a counted fault all at once (extra webhook copies): its count, or 0. */
  public takeAll(key: NumberKey<F>, scope?: string): number {
    for (const set of this.sets(scope)) {
      const n = (set[key] as number | undefined) ?? 0;
      if (n > 0) {
        (set as Record<NumberKey<F>, number>)[key] = 0;
        return n;
      }
    }
    return 0;
  }

  /** A fault that is a setting (a delay): the scope's own if it set one, else the global one. */
  public value<K extends keyof F>(key: K, scope?: string): F[K] | undefined {
    for (const set of this.sets(scope)) if (set[key] !== undefined) return set[key] as F[K];
    return undefined;
  }

  /** Adds or replaces faults, globally or for one scope; returns that scope's faults now. */
  public set(scope: string | undefined, faults: Partial<F>): Partial<F> {
    if (scope === undefined) {
      this.global = { ...this.global, ...faults };
      return this.global;
    }
    const next = { ...this.scoped.get(scope), ...faults };
    this.scoped.set(scope, next);
    return next;
  }

  public view(scope?: string): Partial<F> {
    return scope === undefined ? this.global : (this.scoped.get(scope) ?? {});
  }

  public reset(): void {
    this.global = this.empty();
    this.scoped.clear();
  }
}

export interface FaultControl<F extends object> {
  /** The faults a POST may set (strict: an unknown or mistyped field is a 400). */
  schema: z.ZodType<Partial<F>>;
  /** The body field and query parameter naming a scope ("beneficiary", "merchantOrderId"), and its rule. */
  scopeName: string;
  scope: z.ZodType<string>;
  /** The sandbox's own error code for a bad request ("bad_request", "BAD_REQUEST"). */
  errorCode: string;
}

/**
 * `GET /_sandbox/faults[?<scope>=…]` shows the global faults or one scope's; `POST /_sandbox/faults` adds to
 * them, for one scope when the body names it. Returns false for any other request.
 */
export async function serveFaultControl<F extends object>(
  book: FaultBook<F>,
  control: FaultControl<F>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (url.pathname !== '/_sandbox/faults' || (req.method !== 'GET' && req.method !== 'POST')) return false;
  const scopeOf = (value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    const parsed = control.scope.safeParse(value);
    if (!parsed.success)
      throw new SandboxRequestError(
        400,
        control.errorCode,
        `${control.scopeName}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    return parsed.data;
  };
  if (req.method === 'GET') {
    const scope = scopeOf(url.searchParams.get(control.scopeName) ?? undefined);
    sendJson(
      res,
      200,
      scope === undefined ? book.view() : { [control.scopeName]: scope, ...book.view(scope) },
    );
    return true;
  }
  const { [control.scopeName]: named, ...body } = parseJsonObject(await readBody(req));
  const scope = scopeOf(named);
  const parsed = control.schema.safeParse(body);
  if (!parsed.success)
    throw new SandboxRequestError(
      400,
      control.errorCode,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  const now = book.set(scope, parsed.data);
  sendJson(res, 200, scope === undefined ? now : { [control.scopeName]: scope, ...now });
  return true;
}
