import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogMessages } from '../../shared/logger';
import { API_ROUTES } from '../api-routes';
import { parseArgs, readLocalEnv, UsageError } from './cli';
import { demoTokens, runDemo, seedDemo } from './demo';
import { JavaMissingError } from './dynamodb';
import { startLocalStack } from './stack';
import type { LocalStack } from './stack';

/**
 * `npm start`: the whole system on this machine, the demo once (unless --no-demo), then serving until Ctrl-C,
 * which stops every child (DynamoDB Local's java included).
 */
const OPERATOR_MESSAGES = new Set<string>([
  ...Object.values(LogMessages),
  'Owner payout retry scheduled',
  'PhonePe order confirmed',
]);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { values: [], switches: ['no-demo', 'verbose'] });
  const env = readLocalEnv();
  const dataDir = resolve(env.LOCAL_DATA_DIR);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const functionLog = join(logDir, 'functions.jsonl');
  const verbose = args.switches.has('verbose');
  const started = Date.now();

  console.log(
    `rent-payout local stack on Node ${process.versions.node}: starting (DynamoDB Local, sandboxes, Step Functions, HTTP API)...`,
  );
  let stack: LocalStack | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stack?.close();
    console.log('Stopped. Data kept in', dataDir);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  stack = await startLocalStack({
    dataDir,
    ports: {
      http: env.PORT,
      phonepe: env.PHONEPE_SANDBOX_PORT,
      cashfree: env.CASHFREE_SANDBOX_PORT,
      dynamodb: env.DYNAMODB_PORT,
      sfn: env.SFN_PORT,
    },
    timeScale: env.LOCAL_TIME_SCALE,
    log: (message, data) => {
      if (verbose) console.log(message, data ? JSON.stringify(data) : '');
    },
    onFunctionLog: (line, fn) => {
      appendFileSync(functionLog, `${line}\n`);
      let entry: Record<string, unknown> | null = null;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = null;
      }
      if (!entry) {
        if (verbose) console.log(`[${fn}] ${line}`);
        return;
      }
      const message = String(entry.message ?? '');
      if (verbose || OPERATOR_MESSAGES.has(message) || entry.level === 'ERROR') {
        const keys = [
          'payment_id',
          'payout_id',
          'owner_id',
          'attempt',
          'transfer_id',
          'merchant_order_id',
          'outcome',
          'error_message',
        ];
        const fields = keys
          .filter((k) => entry[k] !== undefined)
          .map((k) => `${k}=${String(entry[k])}`)
          .join(' ');
        console.log(`  log ${String(entry.level ?? '').padEnd(5)} ${message}  ${fields}`);
      }
    },
  });
  console.log(`Ready in ${Date.now() - started} ms.`);
  await seedDemo(stack.directory);
  const tokens = await demoTokens(stack);
  console.log(`
  Console             ${stack.urls.console}   (sign in: ${stack.urls.http}/_local/sign-in, local stack only)
  HTTP API            ${stack.urls.http}
${API_ROUTES.map((r) => `                        ${r.method.padEnd(5)}${r.path}`).join('\n')}
  PhonePe sandbox     ${stack.urls.phonepe}   (control: ${stack.urls.phonepe}/_sandbox/orders)
  Cashfree sandbox    ${stack.urls.cashfree} (control: ${stack.urls.cashfree.replace(/\/payout$/, '')}/_sandbox/transfers)
  DynamoDB Local      ${stack.urls.dynamodb}
  Step Functions      ${stack.urls.sfn}        (state machine ${stack.stateMachineArn})
  Data                ${dataDir}   (function logs: ${functionLog})

  Demo tokens (valid 12 h; more with: npm run token -- --role owner|tenant|admin --sub <user id>)
    tenant  ${tokens.tenant}
    owner   ${tokens.owner}
    admin   ${tokens.admin}
`);
  if (!args.switches.has('no-demo')) {
    console.log('Demo: a rent payment becoming an owner payout');
    try {
      const result = await runDemo(stack, (line) => console.log(`  ${line}`));
      console.log(`Demo done in ${result.ms} ms: payout ${result.payoutId} completed, UTR ${result.utr}.`);
    } catch (error) {
      console.error(`Demo failed: ${(error as Error).message}`);
    }
  }
  console.log('\nServing. Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`npm start: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof JavaMissingError) {
    console.error(`npm start: ${error.message}`);
    process.exit(1);
  }
  console.error('npm start failed:', error);
  process.exit(1);
});
