import { join, resolve } from 'node:path';
import { GROUPS } from '../../shared/http/principal';
import type { Group } from '../../shared/http/principal';
import { LocalIssuer, ROLE_GROUP } from './auth';
import type { Role } from './auth';
import { parseArgs, readLocalEnv, UsageError } from './cli';

/**
 * `npm run token -- --sub <user id> [--role owner|tenant|admin] [--groups <list>|none] [--owner-id <id>]
 * [--tenant-id <id>] [--ttl <seconds>]` prints a bearer token the local stack accepts.
 * `--role` is a shortcut: its group, and for owner or tenant the directory id (defaulting to the user id).
 * `--groups owners,admins` (or `none`) sets the groups instead, and `--owner-id` / `--tenant-id` add ids to
 * any token, so every combination Cognito could hold can be tried (an owner id without the owners group, say).
 */
const ID = /^[\w-]{1,64}$/;

async function main(): Promise<void> {
  const { values } = parseArgs(process.argv.slice(2), {
    values: ['role', 'groups', 'sub', 'owner-id', 'tenant-id', 'ttl'],
    switches: [],
  });
  const role = values.role as Role | undefined;
  if (role !== undefined && !(role in ROLE_GROUP))
    throw new UsageError('--role must be owner, tenant or admin');
  let groups: Group[] | undefined;
  if (values.groups !== undefined) {
    const names = values.groups === 'none' ? [] : values.groups.split(',').map((g) => g.trim());
    const unknown = names.filter((g) => !(GROUPS as readonly string[]).includes(g));
    if (unknown.length > 0 || (names.length === 0 && values.groups !== 'none'))
      throw new UsageError(`--groups takes a comma list of ${GROUPS.join(', ')}, or none`);
    groups = [...new Set(names as Group[])];
  }
  if (role === undefined && groups === undefined) throw new UsageError('--role or --groups is required');
  const sub = values.sub;
  if (!sub || !/^[\w.@-]{1,128}$/.test(sub))
    throw new UsageError('--sub <user id> is required (letters, digits, . _ @ -)');
  for (const name of ['owner-id', 'tenant-id'] as const) {
    const value = values[name];
    if (value !== undefined && !ID.test(value))
      throw new UsageError(`--${name} must be 1 to 64 letters, digits, _ or -`);
  }
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 3600))
    throw new UsageError('--ttl must be whole seconds from 1 to 604800');
  const ownerId = values['owner-id'] ?? (role === 'owner' ? sub : undefined);
  const tenantId = values['tenant-id'] ?? (role === 'tenant' ? sub : undefined);
  const env = readLocalEnv();
  const issuer = await LocalIssuer.open(join(resolve(env.LOCAL_DATA_DIR), 'auth'));
  const token = await issuer.issue({
    sub,
    ...(role ? { role } : {}),
    ...(groups ? { groups } : {}),
    ...(ownerId ? { ownerId } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(ttl ? { ttlSeconds: ttl } : {}),
  });
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(`npm run token: ${(error as Error).message}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
