import { z } from 'zod';

/** Small helpers for the local CLIs: validated environment and arguments with clear messages, exit code 2. */
export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);

export const localEnvSchema = z.object({
  PORT: port.default(3000),
  PHONEPE_SANDBOX_PORT: port.default(3010),
  CASHFREE_SANDBOX_PORT: port.default(3020),
  DYNAMODB_PORT: port.default(8000),
  SFN_PORT: port.default(8083),
  LOCAL_TIME_SCALE: z.coerce.number().positive().max(1).default(0.2),
  LOCAL_DATA_DIR: z.string().min(1).default('.local'),
});
export type LocalEnv = z.infer<typeof localEnvSchema>;

export function readLocalEnv(env: NodeJS.ProcessEnv = process.env): LocalEnv {
  const parsed = localEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new UsageError(`Invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** --flag value / --flag=value / --switch parsing against a fixed set of names. */
export function parseArgs(
  argv: string[],
  spec: { values: string[]; switches: string[] },
): { values: Record<string, string>; switches: Set<string> } {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) throw new UsageError(`Unexpected argument "${arg}"`);
    const name = m[1];
    if (spec.switches.includes(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
    } else if (spec.values.includes(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      values[name] = value;
    } else {
      throw new UsageError(
        `Unknown option --${name} (known: ${[...spec.values, ...spec.switches].map((n) => `--${n}`).join(', ')})`,
      );
    }
  }
  return { values, switches };
}
