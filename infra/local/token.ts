import { join, resolve } from 'node:path';
import { LocalIssuer } from './auth';
import type { Role } from './auth';
import { parseArgs, readLocalEnv, UsageError } from './cli';

/**
 * `npm run token -- --role owner|tenant|admin --sub <user id> [--owner-id <id>] [--tenant-id <id>] [--ttl <seconds>]`
 * prints a bearer token the local stack accepts. An owner's or tenant's directory id defaults to the user id.
 */
async function main(): Promise<void> {
  const { values } = parseArgs(process.argv.slice(2), {
    values: ['role', 'sub', 'owner-id', 'tenant-id', 'ttl'],
    switches: [],
  });
  const role = values.role;
  if (role !== 'owner' && role !== 'tenant' && role !== 'admin')
    throw new UsageError('--role must be owner, tenant or admin');
  const sub = values.sub;
  if (!sub || !/^[\w.@-]{1,128}$/.test(sub))
    throw new UsageError('--sub <user id> is required (letters, digits, . _ @ -)');
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 3600))
    throw new UsageError('--ttl must be whole seconds from 1 to 604800');
  const env = readLocalEnv();
  const issuer = await LocalIssuer.open(join(resolve(env.LOCAL_DATA_DIR), 'auth'));
  const token = await issuer.issue({
    role: role as Role,
    sub,
    ...(role === 'owner' ? { ownerId: values['owner-id'] ?? sub } : {}),
    ...(role === 'tenant' ? { tenantId: values['tenant-id'] ?? sub } : {}),
    ...(ttl ? { ttlSeconds: ttl } : {}),
  });
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(`npm run token: ${(error as Error).message}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
