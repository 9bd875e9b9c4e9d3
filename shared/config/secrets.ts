import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { ConfigError, PlaceholderCredentialsError } from '../errors';
import { logger } from '../logger';
import { readEnv } from './env';

/**
 * Credentials live in Secrets Manager on AWS: the function gets `<NAME>_SECRET_ARN` and reads the JSON secret.
 * Locally there is no Secrets Manager: the local stack passes a file, `<NAME>_SECRET_FILE` (throwaway values,
 * rewritable to rehearse a rotation), or the JSON itself in `<NAME>_SECRET_JSON`.
 *
 * A value is kept for `SECRETS_MAX_AGE_SECONDS` (300) and then read again, as the Powertools parameters
 * utility's maxAge does, so a rotation reaches warm containers within five minutes; `refetch` reads at once
 * (forceFetch), for the 401 that says the credentials changed.
 */
export type SecretReader = (name: string) => Promise<unknown>;

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError(`${source} is not valid JSON`, { cause });
  }
}

/** Reads a secret kept in a JSON file (the local stack's stand-in for Secrets Manager). */
export function secretFileReader(file: string): SecretReader {
  return async (name) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`The ${name} secret file cannot be read`, { cause });
    }
    return parseJson(text, `The ${name} secret file`);
  };
}

export const readSecretFromEnvironment: SecretReader = async (name) => {
  const arn = process.env[`${name}_SECRET_ARN`];
  const file = process.env[`${name}_SECRET_FILE`];
  const inline = process.env[`${name}_SECRET_JSON`];
  // Always a fresh read: the cache below decides when to read.
  if (arn) return getSecret(arn, { transform: 'json', forceFetch: true });
  if (file) return secretFileReader(file)(name);
  if (inline) return parseJson(inline, `${name}_SECRET_JSON`);
  throw new ConfigError(`None of ${name}_SECRET_ARN, ${name}_SECRET_FILE, ${name}_SECRET_JSON is set`);
};

/**
 * What the stack writes into a secret before an operator sets it ("SET_ME", infra/stateful-stack.ts), and the
 * usual spellings of the same idea. A credential like this must never authenticate anything.
 */
const PLACEHOLDER = /^(set[_ -]?me|change[_ -]?me|replace[_ -]?me|to[_ -]?do|placeholder|x{3,})$/i;
const PLACEHOLDER_MESSAGE = 'placeholder';

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/** A credential field: present, and not a placeholder. */
export const credential = z
  .string()
  .trim()
  .min(1)
  .refine((v) => !isPlaceholder(v), { message: PLACEHOLDER_MESSAGE });

/** Validates a secret's JSON; the errors name the secret and its fields, never a value. */
export function parseSecret<S extends z.ZodType>(name: string, schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const field = (issue: { path: PropertyKey[] }) => issue.path.map(String).join('.') || '(root)';
  const placeholders = parsed.error.issues.filter((i) => i.message === PLACEHOLDER_MESSAGE).map(field);
  if (placeholders.length > 0) {
    // The alarm's log line (infra/stateless-stack.ts): the function refuses its work until an operator acts.
    logger.error('Credentials are placeholders', { secret: name, fields: placeholders });
    throw new PlaceholderCredentialsError(name, placeholders);
  }
  const fields = [...new Set(parsed.error.issues.map(field))].join(', ');
  throw new ConfigError(`Secret ${name} is missing or has invalid fields: ${fields}`);
}

/** A secret, read when first needed and again once older than maxAge; `refetch` reads it now. */
export interface CachedSecret<T> {
  (): Promise<T>;
  refetch(): Promise<T>;
}

export interface CachedSecretOptions {
  maxAgeSeconds?: number;
  read?: SecretReader;
  now?: () => number;
}

export function secretsMaxAgeSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return readEnv(
    z.object({ SECRETS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300) }),
    env,
  ).SECRETS_MAX_AGE_SECONDS;
}

export function cachedSecret<S extends z.ZodType>(
  name: string,
  schema: S,
  options: CachedSecretOptions = {},
): CachedSecret<z.infer<S>> {
  type T = z.infer<S>;
  const read = options.read ?? readSecretFromEnvironment;
  const now = options.now ?? Date.now;
  let maxAgeMs: number | undefined =
    options.maxAgeSeconds === undefined ? undefined : options.maxAgeSeconds * 1000;
  let held: { value: T; json: string; readAt: number } | null = null;
  let reading: Promise<T> | null = null;

  // One read at a time per container, however many requests want it. A failed read is not kept: the next
  // request reads again.
  const load = (): Promise<T> => {
    reading ??= (async () => {
      const raw = await read(name);
      const value = parseSecret(name, schema, raw);
      const json = JSON.stringify(raw);
      // The same content keeps the same object, so what was built from it (a client, a cipher) is kept too.
      if (held?.json === json) held.readAt = now();
      else held = { value, json, readAt: now() };
      return held.value;
    })().finally(() => {
      reading = null;
    });
    return reading;
  };
  const get = (() => {
    maxAgeMs ??= secretsMaxAgeSeconds() * 1000;
    if (held && now() - held.readAt < maxAgeMs) return Promise.resolve(held.value);
    return load();
  }) as CachedSecret<T>;
  get.refetch = load;
  return get;
}

/** Something built from a secret's value (a cipher), rebuilt only when the value changes. */
export function builtFrom<T, R>(secret: () => Promise<T>, build: (value: T) => R): () => Promise<R> {
  let built: { value: T; result: R } | null = null;
  return async () => {
    const value = await secret();
    if (built?.value !== value) built = { value, result: build(value) };
    return built.result;
  };
}

/**
 * A client built from a credentials secret, rebuilt when the secret changes rather than kept from the cold
 * start. The client gets `renew` for its 401 path: it re-reads the secret once and gives the client of the new
 * credentials, or null when they are the ones that were refused (then the 401 stands). A request that comes
 * after another one already renewed gets the new client without another read.
 */
export function clientFrom<T, C>(
  secret: CachedSecret<T>,
  build: (value: T, renew: () => Promise<C | null>) => C,
): () => Promise<C> {
  let built: { value: T; client: C } | null = null;
  const clientOf = (value: T): C => {
    if (built?.value !== value) built = { value, client: build(value, () => renewAfter(value)) };
    return built.client;
  };
  const renewAfter = async (refused: T): Promise<C | null> => {
    if (built && built.value !== refused) return built.client;
    const value = await secret.refetch();
    return value === refused ? null : clientOf(value);
  };
  return async () => clientOf(await secret());
}
