import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { cipherOf, paymentDetailsKeySchema } from '../../shared/config/app-config';
import { builtFrom, cachedSecret, secretFileReader } from '../../shared/config/secrets';
import { DynamoDirectoryRepository } from '../../shared/repositories/directory-repository';
import { API_ROUTES } from '../api-routes';
import { FUNCTIONS, functionByService } from '../function-catalog';
import type { FunctionKey } from '../function-catalog';
import { LocalIssuer } from './auth';
import { loadOrCreateCredentials } from './credentials';
import type { LocalCredentials } from './credentials';
import {
  createTablesFromTemplate,
  fileDeadLetterSink,
  freePort,
  startDynamoDbLocal,
  startStreamPoller,
} from './dynamodb';
import { createConsoleSite } from './console-site';
import { startHttpAdapter } from './http-adapter';
import { LocalLambda } from './lambda/local-lambda';
import { startCashfreeSandbox } from './sandboxes/cashfree';
import { startPhonePeSandbox } from './sandboxes/phonepe';
import { startLocalStepFunctions } from './stepfunctions';
import { resourcesOfType, synthesizeTemplates, TemplateResolver } from './template';
import type { CfnResource } from './template';

/**
 * The whole system on one machine (docs/local-stack.md): DynamoDB Local with tables from the synthesized
 * template, its real stream polled into the same handlers with the same filters, the synthesized state machine
 * behind a Step Functions endpoint, the HTTP API adapter, and the PhonePe and Cashfree sandboxes.
 * Only endpoints and credentials differ from AWS.
 */
export const REGION = 'ap-south-1';
const ACCOUNT = '000000000000';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LocalStackOptions {
  dataDir: string;
  ports?: Partial<Record<'http' | 'phonepe' | 'cashfree' | 'dynamodb' | 'sfn', number>>;
  /** Multiplies workflow waits, sandbox delays and retry intervals. */
  timeScale: number;
  /** Tests: an in-memory database and no persisted sandbox/Step Functions state. */
  ephemeral?: boolean;
  /** Extra environment for every function (tests tune policy knobs with this). */
  functionEnv?: Record<string, string>;
  cashfreeLifecycle?: { receivedToPendingMs: number; pendingToFinalMs: number };
  /** Concurrent containers (worker threads) per function; Lambda scales far higher, 8 is plenty here. */
  maxContainersPerFunction?: number;
  /** Whether the Cashfree sandbox sends its webhooks (default true). */
  cashfreeWebhooks?: boolean;
  log?: (message: string, data?: Record<string, unknown>) => void;
  onFunctionLog?: (line: string, functionName: string) => void;
}

/** The secrets the functions read, by the name in their `<NAME>_SECRET_FILE` variable. */
export type LocalSecretName = 'PHONEPE' | 'CASHFREE' | 'PAYMENT_DETAILS_KEY';

export interface LocalStack {
  urls: { http: string; console: string; phonepe: string; cashfree: string; dynamodb: string; sfn: string };
  issuer: LocalIssuer;
  credentials: LocalCredentials;
  /**
   * The files standing in for Secrets Manager. Functions re-read them after SECRETS_MAX_AGE_SECONDS, so
   * rewriting one rehearses a rotation (or an unset secret) exactly as on AWS.
   */
  secretFiles: Record<LocalSecretName, string>;
  tables: { directory: string; payments: string; payouts: string };
  stateMachineArn: string;
  documentClient: DynamoDBDocumentClient;
  /** The directory, able to read and write account numbers with the payment-details key in its secret file. */
  directory: DynamoDirectoryRepository;
  sfn: SFNClient;
  functions: Record<FunctionKey, LocalLambda>;
  /** The DynamoDB Local java process, for diagnostics (the webhook bench reads its CPU time). */
  dynamodbPid: number;
  close(): Promise<void>;
}

const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const persist = !options.ephemeral;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) {
      try {
        await fn();
      } catch (error) {
        log('shutdown step failed', { error: (error as Error).message });
      }
    }
  };

  try {
    const credentials = loadOrCreateCredentials(join(dataDir, 'credentials.json'));
    // Written once: a secret rotated or changed by hand keeps its value across restarts, as on AWS.
    const secretsDir = join(dataDir, 'secrets');
    mkdirSync(secretsDir, { recursive: true });
    const secretFiles: Record<LocalSecretName, string> = {
      PHONEPE: join(secretsDir, 'phonepe.json'),
      CASHFREE: join(secretsDir, 'cashfree.json'),
      PAYMENT_DETAILS_KEY: join(secretsDir, 'payment-details-key.json'),
    };
    const initialSecrets: Record<LocalSecretName, unknown> = {
      PHONEPE: credentials.phonepe,
      CASHFREE: { ...credentials.cashfree, publicKey: credentials.cashfreeTwoFactor.publicKeyPem },
      PAYMENT_DETAILS_KEY: credentials.paymentDetailsKey,
    };
    for (const [name, file] of Object.entries(secretFiles) as [LocalSecretName, string][]) {
      if (!existsSync(file))
        writeFileSync(file, JSON.stringify(initialSecrets[name], null, 2), { mode: 0o600 });
    }
    // A Cashfree secret written before the sandbox checked 2FA signatures gains the public key, keeping the rest.
    const cashfreeSecret = JSON.parse(readFileSync(secretFiles.CASHFREE, 'utf8')) as Record<string, unknown>;
    if (cashfreeSecret.publicKey === undefined) {
      const upgraded = { ...cashfreeSecret, publicKey: credentials.cashfreeTwoFactor.publicKeyPem };
      writeFileSync(secretFiles.CASHFREE, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    }
    const cipher = builtFrom(
      cachedSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, {
        read: secretFileReader(secretFiles.PAYMENT_DETAILS_KEY),
        maxAgeSeconds: 0,
      }),
      cipherOf,
    );
    const issuer = await LocalIssuer.open(join(dataDir, 'auth'));
    const synth = synthesizeTemplates(join(dataDir, 'cdk.out'));

    // DynamoDB Local and the tables of the stateful stack.
    const dynamoPort = options.ports?.dynamodb || (await freePort());
    const dynamo = await startDynamoDbLocal({
      port: dynamoPort,
      ...(persist ? { dataDir: join(dataDir, 'dynamodb') } : { inMemory: true }),
      log: (m: string) => log(m),
    });
    closers.push(() => dynamo.stop());
    const awsConfig = { region: REGION, credentials: LOCAL_AWS_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...awsConfig, endpoint: dynamo.endpoint });
    const tables = await createTablesFromTemplate(dynamoClient, synth.stateful, {
      tableName: (logicalId: string) => `${synth.statefulName}-${logicalId}`,
    });
    const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true },
    });

    const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
    const stateMachines = resourcesOfType(synth.stateless, 'AWS::StepFunctions::StateMachine');
    const stateMachineArnOf = (logicalId: string) =>
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
    const refs = (id: string, r: CfnResource): string | undefined => {
      switch (r.Type) {
        case 'AWS::DynamoDB::Table':
          return tables[id]?.tableName;
        case 'AWS::Lambda::Function':
          return id;
        case 'AWS::StepFunctions::StateMachine':
          return stateMachineArnOf(id);
        case 'AWS::SecretsManager::Secret':
          return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}`;
        case 'AWS::SQS::Queue':
          return `http://local/${ACCOUNT}/${id}`;
        default:
          return undefined;
      }
    };
    const attrs = (id: string, attribute: string, r: CfnResource): string | undefined => {
      if (r.Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') return tables[id]?.streamArn;
      if (r.Type === 'AWS::DynamoDB::Table' && attribute === 'Arn')
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tables[id]?.tableName}`;
      if (r.Type === 'AWS::Lambda::Function' && attribute === 'Arn') return functionArn(id);
      if (r.Type === 'AWS::SQS::Queue' && attribute === 'Arn')
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
      return undefined;
    };
    const resolver = new TemplateResolver([synth.stateful, synth.stateless], refs, attrs);

    // Sandboxes and the HTTP API need each other's URLs: fix the HTTP port first.
    const httpPort = options.ports?.http ?? (await freePort());
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const phonepe = await startPhonePeSandbox({
      port: options.ports?.phonepe ?? 0,
      clientId: credentials.phonepe.clientId,
      clientSecret: credentials.phonepe.clientSecret,
      clientVersion: Number(credentials.phonepe.clientVersion),
      merchantId: credentials.phonepe.merchantId,
      webhook: {
        url: `${httpUrl}/api/webhooks/phonepe/`,
        username: credentials.phonepe.webhookUsername,
        password: credentials.phonepe.webhookPassword,
      },
      timeScale: options.timeScale,
      ...(persist ? { dataFile: join(dataDir, 'sandboxes', 'phonepe.json') } : {}),
      log: (m: string, d?: Record<string, unknown>) => log(`[phonepe-sandbox] ${m}`, d),
    });
    closers.push(() => phonepe.close());
    const cashfree = await startCashfreeSandbox({
      port: options.ports?.cashfree ?? 0,
      clientId: credentials.cashfree.clientId,
      clientSecret: credentials.cashfree.clientSecret,
      twoFactor: { privateKeyPem: credentials.cashfreeTwoFactor.privateKeyPem },
      webhookUrl: options.cashfreeWebhooks === false ? null : `${httpUrl}/api/webhooks/cashfree/`,
      timeScale: options.timeScale,
      ...(options.cashfreeLifecycle ? { lifecycle: options.cashfreeLifecycle } : {}),
      ...(persist ? { dataFile: join(dataDir, 'sandboxes', 'cashfree.json') } : {}),
      log: (m: string, d?: Record<string, unknown>) => log(`[cashfree-sandbox] ${m}`, d),
    });
    closers.push(() => cashfree.close());

    // Fix the Step Functions port before the functions' environment names it.
    const sfnPort = options.ports?.sfn || (await freePort());
    const sfnUrl = `http://127.0.0.1:${sfnPort}`;

    // Functions: the template's environment, resolved, with local endpoints and credentials swapped in.
    const lambdasByLogicalId = new Map<string, LocalLambda>();
    const functions = {} as Record<FunctionKey, LocalLambda>;
    for (const [logicalId, resource] of resourcesOfType(synth.stateless, 'AWS::Lambda::Function')) {
      const props = resource.Properties ?? {};
      const env = resolver.resolve(
        (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      ) as Record<string, string>;
      const spec = functionByService(env.POWERTOOLS_SERVICE_NAME ?? '');
      if (!spec) continue; // CDK's own helper functions (none today) have no local counterpart
      const key = (Object.entries(FUNCTIONS).find(([, f]) => f.service === spec.service)?.[0] ??
        '') as FunctionKey;
      const localEnv: Record<string, string> = {
        ...env,
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TZ: 'UTC',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_SFN: sfnUrl,
        AWS_LAMBDA_FUNCTION_NAME: logicalId,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? spec.memoryMb),
        // No X-Ray daemon here: the tracer stays unloaded (shared/tracing.ts).
        POWERTOOLS_TRACE_ENABLED: 'false',
        ...(options.functionEnv ?? {}),
      };
      if (localEnv.PHONEPE_SECRET_ARN) {
        delete localEnv.PHONEPE_SECRET_ARN;
        localEnv.PHONEPE_SECRET_FILE = secretFiles.PHONEPE;
        localEnv.PHONEPE_OAUTH_BASE_URL = phonepe.url;
        localEnv.PHONEPE_PG_BASE_URL = phonepe.url;
      }
      if (localEnv.CASHFREE_SECRET_ARN) {
        delete localEnv.CASHFREE_SECRET_ARN;
        localEnv.CASHFREE_SECRET_FILE = secretFiles.CASHFREE;
        localEnv.CASHFREE_BASE_URL = cashfree.url;
        // The sandbox checks 2FA signatures: a function that stopped sending them fails at start instead.
        localEnv.CASHFREE_SIGNATURE_REQUIRED = 'true';
      }
      if (localEnv.PAYMENT_DETAILS_KEY_SECRET_ARN) {
        delete localEnv.PAYMENT_DETAILS_KEY_SECRET_ARN;
        localEnv.PAYMENT_DETAILS_KEY_SECRET_FILE = secretFiles.PAYMENT_DETAILS_KEY;
      }
      if (localEnv.PAYMENT_REDIRECT_URL) localEnv.PAYMENT_REDIRECT_URL = `${httpUrl}/payment-complete`;
      const lambda = new LocalLambda({
        functionName: logicalId,
        entry: join(ROOT, spec.entry),
        env: localEnv,
        timeoutSeconds: Number(props.Timeout ?? spec.timeoutSeconds),
        memoryMb: Number(props.MemorySize ?? spec.memoryMb),
        region: REGION,
        // Reserved concurrency caps the containers: invocations beyond it wait for one (Lambda would throttle).
        maxContainers: Math.min(
          options.maxContainersPerFunction ?? 8,
          Number(props.ReservedConcurrentExecutions ?? Number.POSITIVE_INFINITY),
        ),
        ...(options.onFunctionLog ? { onLog: options.onFunctionLog } : {}),
      });
      closers.push(() => lambda.close());
      lambdasByLogicalId.set(logicalId, lambda);
      functions[key] = lambda;
    }

    // The state machine CDK synthesized, run by the local Step Functions endpoint.
    const [smId, smResource] = stateMachines[0] ?? [];
    if (!smId || !smResource) throw new Error('The synthesized template has no state machine');
    const definition = JSON.parse(String(resolver.resolve(smResource.Properties?.DefinitionString))) as {
      States: Record<string, { Type: string; Resource?: string }>;
    };
    const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task' || !state.Resource) continue;
      const logicalId = state.Resource.split(':').pop() ?? '';
      const lambda = lambdasByLogicalId.get(logicalId);
      if (!lambda) throw new Error(`Task ${stateName} names ${state.Resource}, which is no local function`);
      taskHandlers[stateName] = (input) => lambda.invoke(input);
    }
    const stateMachineArn = stateMachineArnOf(smId);
    const sfnServer = await startLocalStepFunctions({
      port: sfnPort,
      stateMachines: [{ stateMachineArn, name: smId, definition, taskHandlers }],
      timeScale: options.timeScale,
      ...(persist ? { dataFile: join(dataDir, 'stepfunctions', 'executions.json') } : {}),
      log: (m: string, d?: Record<string, unknown>) => log(`[stepfunctions] ${m}`, d),
    });
    closers.push(() => sfnServer.close());

    // The payments stream, polled into the same handlers with the same mapping settings and filters.
    const streamsClient = new DynamoDBStreamsClient({ ...awsConfig, endpoint: dynamo.endpoint });
    for (const [mappingId, mapping] of resourcesOfType(synth.stateless, 'AWS::Lambda::EventSourceMapping')) {
      const p = resolver.resolve(mapping.Properties ?? {}) as Record<string, unknown>;
      const lambda = lambdasByLogicalId.get(String(p.FunctionName));
      if (!lambda) throw new Error(`Event source mapping ${mappingId} names no local function`);
      const dlqArn = String(
        (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure
          ?.Destination ?? '',
      );
      const sink = fileDeadLetterSink(join(dataDir, 'dlq'), dlqArn.split(':').pop() || `${mappingId}-dlq`);
      const poller = startStreamPoller({
        streamsClient,
        streamArn: String(p.EventSourceArn),
        region: REGION,
        filterCriteria: p.FilterCriteria as { Filters: { Pattern: string }[] },
        batchSize: Number(p.BatchSize ?? 100),
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
        maximumRecordAgeInSeconds: Number(p.MaximumRecordAgeInSeconds ?? -1),
        functionArn: functionArn(String(p.FunctionName)),
        bisectBatchOnFunctionError: Boolean(p.BisectBatchOnFunctionError),
        reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
          'ReportBatchItemFailures',
        ),
        startingPosition: (p.StartingPosition as 'TRIM_HORIZON' | 'LATEST') ?? 'TRIM_HORIZON',
        handler: async (event: DynamoDBStreamEvent) => (await lambda.invoke(event)) as never,
        onFailure: (record: unknown) => sink.write(record),
        ...(persist ? { checkpointFile: join(dataDir, 'streams', `${mappingId}.json`) } : {}),
        // Lambda polls a DynamoDB stream's shards 4 times per second (AWS Lambda guide, "Polling and batching
        // streams"). Each empty GetRecords costs DynamoDB Local a few ms of CPU, so polling faster only loads it.
        pollIntervalMs: 250,
        log: (m: string) => log(`[stream ${lambda.name}] ${m}`),
      });
      closers.push(() => poller.stop());
    }

    // Scheduled rules (rate expressions), run on the scaled clock; a run never overlaps the previous one.
    for (const [ruleId, rule] of resourcesOfType(synth.stateless, 'AWS::Events::Rule')) {
      const p = resolver.resolve(rule.Properties ?? {}) as {
        ScheduleExpression?: string;
        State?: string;
        Targets?: { Arn: string }[];
      };
      const m = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(p.ScheduleExpression ?? '');
      if (!m || p.State === 'DISABLED') continue;
      const unitMs = m[2]?.startsWith('minute') ? 60_000 : m[2]?.startsWith('hour') ? 3_600_000 : 86_400_000;
      const everyMs = Math.max(50, Number(m[1]) * unitMs * options.timeScale);
      for (const target of p.Targets ?? []) {
        const lambda = lambdasByLogicalId.get(String(target.Arn).split(':').pop() ?? '');
        if (!lambda) throw new Error(`Rule ${ruleId} targets ${target.Arn}, which is no local function`);
        let busy = false;
        const timer = setInterval(() => {
          if (busy) return;
          busy = true;
          const event = {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: ACCOUNT,
            time: new Date().toISOString(),
            region: REGION,
            resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleId}`],
            detail: {},
          };
          lambda
            .invoke(event)
            .catch((error: unknown) => log(`[schedule ${ruleId}] ${(error as Error).message}`))
            .finally(() => {
              busy = false;
            });
        }, everyMs);
        timer.unref();
        closers.push(async () => clearInterval(timer));
      }
    }

    const http = await startHttpAdapter({
      port: httpPort,
      routes: API_ROUTES,
      issuer,
      serveOther: createConsoleSite({ outdir: join(dataDir, 'console'), issuer }).handle,
      invoke: (route, event) => functions[route.fn].invoke(event),
      log: (m, d) => log(`[http] ${m}`, d),
    });
    closers.push(() => http.close());

    const tableOf = (prefix: string) => {
      const entry = Object.entries(tables).find(([id]) => id.startsWith(prefix));
      if (!entry) throw new Error(`No ${prefix} in the synthesized template`);
      return entry[1].tableName;
    };
    return {
      urls: {
        http: http.url,
        console: `${http.url}/admin/`,
        phonepe: phonepe.url,
        cashfree: cashfree.url,
        dynamodb: dynamo.endpoint,
        sfn: sfnUrl,
      },
      issuer,
      credentials,
      secretFiles,
      tables: {
        directory: tableOf('DirectoryTable'),
        payments: tableOf('PaymentsTable'),
        payouts: tableOf('PayoutsTable'),
      },
      stateMachineArn,
      documentClient,
      directory: new DynamoDirectoryRepository(documentClient, tableOf('DirectoryTable'), cipher),
      sfn: new SFNClient({ ...awsConfig, endpoint: sfnUrl }),
      functions,
      dynamodbPid: dynamo.pid,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
