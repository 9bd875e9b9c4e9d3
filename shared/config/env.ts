import { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Reads and validates environment variables once, at cold start. A missing or malformed variable fails
 * the start-up loudly with every problem listed; there are no placeholder defaults for names and URLs.
 */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return env[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export const urlVar = z.url({ protocol: /^https?$/ });
export const nonEmpty = z.string().trim().min(1);
export const positiveInt = z.coerce.number().int().positive();
