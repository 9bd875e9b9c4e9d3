import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Credentials live in Secrets Manager on AWS (invariant 5): the function gets `<NAME>_SECRET_ARN` and reads the
 * JSON secret, cached for five minutes so a rotation is picked up without a redeploy. Locally there is no
 * Secrets Manager: the local stack passes the same JSON, generated throwaway values, in `<NAME>_SECRET_JSON`.
 */
export async function loadSecret<S extends z.ZodType>(name: string, schema: S): Promise<z.infer<S>> {
  const arn = process.env[`${name}_SECRET_ARN`];
  const local = process.env[`${name}_SECRET_JSON`];
  let raw: unknown;
  if (arn) {
    raw = await getSecret(arn, { transform: 'json', maxAge: 300 });
  } else if (local) {
    try {
      raw = JSON.parse(local);
    } catch (cause) {
      throw new ConfigError(`${name}_SECRET_JSON is not valid JSON`, { cause });
    }
  } else {
    throw new ConfigError(`Neither ${name}_SECRET_ARN nor ${name}_SECRET_JSON is set`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    // Never echo the secret's values: name the fields only.
    throw new ConfigError(`Secret ${name} is missing or has invalid fields: ${fields}`);
  }
  return parsed.data;
}
