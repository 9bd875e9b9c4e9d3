import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { readLocalEnv } from './cli';

/** `npm run reset`: empties .local/ (tables, executions, sandboxes, keys). Refuses while the stack is running. */
async function inUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function main(): Promise<void> {
  const env = readLocalEnv();
  if ((await inUse(env.DYNAMODB_PORT)) || (await inUse(env.PORT))) {
    console.error(
      'npm run reset: the local stack seems to be running (ports in use); stop it with Ctrl-C first.',
    );
    process.exit(1);
  }
  const dir = resolve(env.LOCAL_DATA_DIR);
  rmSync(dir, { recursive: true, force: true });
  console.log(`Emptied ${dir}.`);
}

main().catch((error: unknown) => {
  console.error(`npm run reset: ${(error as Error).message}`);
  process.exit(2);
});
