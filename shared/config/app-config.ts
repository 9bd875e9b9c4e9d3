import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoDirectoryRepository } from '../repositories/directory-repository';
import type { PaymentRepository } from '../repositories/payment-repository';
import { DynamoPayoutRepository } from '../repositories/payout-repository';
import { CashfreeClient } from '../clients/cashfree-client';
import type { CashfreeConfig } from '../clients/cashfree-client';
import { isRsaPublicKeyPem } from '../clients/cashfree-signature';
import { PhonePeClient } from '../clients/phonepe-client';
import { AccountCipher, KEY_ID_PATTERN, MIN_KEY_LENGTH } from '../domain/account-cipher';
import { DEFAULT_PAYOUT_POLICY } from '../domain/payout-policy';
import type { PayoutPolicy } from '../domain/payout-policy';
import { ConfigError } from '../errors';
import { DEFAULT_WATCH_POLICY } from '../domain/payout-watch';
import type { WatchPolicy } from '../domain/payout-watch';
import { nonEmpty, positiveInt, readEnv, urlVar } from './env';
import { builtFrom, cachedSecret, clientFrom, credential } from './secrets';
import type { CachedSecret } from './secrets';
import { traced } from '../tracing';

/**
 * Configuration pieces, each read and validated once per cold start by the functions that need it.
 * Names and URLs have no defaults: a missing one fails the start-up with its name. Secrets are read when first
 * needed and refreshed after their max age (shared/config/secrets.ts); a placeholder value is refused.
 */
export const tableNames = {
  directory: () => readEnv(z.object({ DIRECTORY_TABLE: nonEmpty })).DIRECTORY_TABLE,
  payments: () => readEnv(z.object({ PAYMENTS_TABLE: nonEmpty })).PAYMENTS_TABLE,
  payouts: () => readEnv(z.object({ PAYOUTS_TABLE: nonEmpty })).PAYOUTS_TABLE,
};

export const phonePeSecretSchema = z.object({
  clientId: credential,
  clientSecret: credential,
  clientVersion: credential,
  webhookUsername: credential,
  webhookPassword: credential,
});
export type PhonePeSecret = z.infer<typeof phonePeSecretSchema>;

export const cashfreeSecretSchema = z.object({
  clientId: credential,
  clientSecret: credential,
  /** The 2FA public key Cashfree issued (PEM), for requests from IPs Cashfree has not whitelisted. */
  publicKey: z.string().refine(isRsaPublicKeyPem, 'must be an RSA public key in PEM').optional(),
});
export type CashfreeSecret = z.infer<typeof cashfreeSecretSchema>;

export const phonePeSecret = cachedSecret('PHONEPE', phonePeSecretSchema);
export const cashfreeSecret = cachedSecret('CASHFREE', cashfreeSecretSchema);

const keyId = credential.pipe(z.string().regex(KEY_ID_PATTERN, 'must be 1 to 32 of A-Z a-z 0-9 . _ -'));
const keyMaterial = credential.pipe(z.string().min(MIN_KEY_LENGTH));
/**
 * The payment-details key ring, one secret: `keyId` and `key` are the current key (every new encryption),
 * `previousKeys` (id -> key) the keys of earlier rotations, kept while values sealed with them remain.
 * The stack's generated secret has the first two only. Rotation: docs/operations.md.
 */
export const paymentDetailsKeySchema = z
  .object({
    keyId,
    key: keyMaterial,
    previousKeys: z.record(keyId, keyMaterial).default({}),
  })
  .refine((s) => !(s.keyId in s.previousKeys), {
    message: 'the current keyId must not also be a previous key',
    path: ['previousKeys'],
  });
export type PaymentDetailsKeySecret = z.infer<typeof paymentDetailsKeySchema>;
export const paymentDetailsKeySecret = cachedSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema);

export function cipherOf(secret: PaymentDetailsKeySecret): AccountCipher {
  return new AccountCipher(secret.key, secret.keyId, secret.previousKeys);
}
/** The cipher for owners' account numbers (shared/domain/account-cipher.ts), rebuilt when the ring changes. */
export const paymentDetailsCipher = builtFrom(paymentDetailsKeySecret, cipherOf);

/** A PhonePe client for the current credentials: rebuilt after a rotation, renewed once on a 401. */
export function phonePeClientFactory(
  secret: CachedSecret<PhonePeSecret> = phonePeSecret,
  environment: NodeJS.ProcessEnv = process.env,
): () => Promise<PhonePeClient> {
  const env = readEnv(
    z.object({
      PHONEPE_OAUTH_BASE_URL: urlVar,
      PHONEPE_PG_BASE_URL: urlVar,
      PHONEPE_TIMEOUT_MS: positiveInt.default(8000),
    }),
    environment,
  );
  return clientFrom(
    secret,
    (value, renew) =>
      new PhonePeClient({
        oauthBaseUrl: env.PHONEPE_OAUTH_BASE_URL,
        pgBaseUrl: env.PHONEPE_PG_BASE_URL,
        clientId: value.clientId,
        clientSecret: value.clientSecret,
        clientVersion: value.clientVersion,
        timeoutMs: env.PHONEPE_TIMEOUT_MS,
        renew,
      }),
  );
}

/** A Cashfree client for the current credentials: rebuilt after a rotation, renewed once on a 401. */
export function cashfreeClientFactory(
  secret: CachedSecret<CashfreeSecret> = cashfreeSecret,
  environment: NodeJS.ProcessEnv = process.env,
): () => Promise<CashfreeClient> {
  const env = readEnv(
    z.object({
      CASHFREE_BASE_URL: urlVar,
      CASHFREE_TIMEOUT_MS: positiveInt.default(10000),
      CASHFREE_SIGNATURE_REQUIRED: z.enum(['true', 'false']).default('false'),
    }),
    environment,
  );
  return clientFrom(
    secret,
    (value, renew) => new CashfreeClient({ ...cashfreeClientConfig(value, env), renew }),
  );
}
/**
 * The Cashfree client's settings. Where the signature is required (production), Cashfree refuses unsigned calls
 * from IPs it has not whitelisted, so a secret without the public key fails the start, naming what is missing.
 */
export function cashfreeClientConfig(
  secret: CashfreeSecret,
  env: {
    CASHFREE_BASE_URL: string;
    CASHFREE_TIMEOUT_MS: number;
    CASHFREE_SIGNATURE_REQUIRED: 'true' | 'false';
  },
): CashfreeConfig {
  if (env.CASHFREE_SIGNATURE_REQUIRED === 'true' && !secret.publicKey) {
    throw new ConfigError(
      'Secret CASHFREE has no publicKey: Cashfree 2FA needs the public key Cashfree issued (docs/deploy.md)',
    );
  }
  return {
    baseUrl: env.CASHFREE_BASE_URL.replace(/\/$/, ''),
    clientId: secret.clientId,
    clientSecret: secret.clientSecret,
    ...(secret.publicKey ? { publicKey: secret.publicKey } : {}),
    timeoutMs: env.CASHFREE_TIMEOUT_MS,
  };
}

export function paymentConfig() {
  return readEnv(
    z.object({
      PAYMENT_REDIRECT_URL: urlVar,
      // PhonePe's sample uses 1200 s; its custom checkout takes 300-3600 s.
      PAYMENT_ORDER_EXPIRY_SECONDS: z.coerce.number().int().min(300).max(3600).default(1200),
    }),
  );
}

export function payoutPolicy(): PayoutPolicy {
  const env = readEnv(
    z.object({
      PAYOUT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(DEFAULT_PAYOUT_POLICY.maxAttempts),
      PAYOUT_ATTENTION_AFTER_SECONDS: positiveInt.default(DEFAULT_PAYOUT_POLICY.attentionAfterSeconds),
    }),
  );
  return {
    ...DEFAULT_PAYOUT_POLICY,
    maxAttempts: env.PAYOUT_MAX_ATTEMPTS,
    attentionAfterSeconds: env.PAYOUT_ATTENTION_AFTER_SECONDS,
  };
}

/** When the payout reconciler looks at payouts (docs/workflow.md, "The payout reconciler"). */
export function payoutWatchPolicy(): WatchPolicy {
  const env = readEnv(
    z.object({
      PAYOUT_RECONCILE_AFTER_SECONDS: positiveInt.default(DEFAULT_WATCH_POLICY.staleAfterSeconds),
      PAYOUT_REVERSAL_WINDOW_SECONDS: positiveInt
        .max(90 * 86_400)
        .default(DEFAULT_WATCH_POLICY.reversalWindowSeconds),
    }),
  );
  return {
    staleAfterSeconds: env.PAYOUT_RECONCILE_AFTER_SECONDS,
    reversalWindowSeconds: env.PAYOUT_REVERSAL_WINDOW_SECONDS,
  };
}

export function stateMachineArn(): string {
  return readEnv(z.object({ PAYOUT_STATE_MACHINE_ARN: nonEmpty })).PAYOUT_STATE_MACHINE_ARN;
}

/** What starting a payout run needs (the payout starter and manual retry): owners are read without the key. */
export function startPayoutDependencies(
  documentClient: DynamoDBDocumentClient,
  payments?: PaymentRepository,
) {
  return {
    ...(payments ? { payments } : {}),
    payouts: new DynamoPayoutRepository(documentClient, tableNames.payouts()),
    directory: new DynamoDirectoryRepository(documentClient, tableNames.directory()),
    sfn: traced(new SFNClient({})),
    stateMachineArn: stateMachineArn(),
    now: () => new Date(),
  };
}

/**
 * Where an execution is shown: the Step Functions console of the function's region on AWS; nowhere when the
 * SDK is pointed at another endpoint (the local stack sets AWS_ENDPOINT_URL_SFN).
 */
export function executionConsoleUrl(): (executionArn: string) => string | null {
  const env = readEnv(z.object({ AWS_REGION: nonEmpty, AWS_ENDPOINT_URL_SFN: z.string().optional() }));
  if (env.AWS_ENDPOINT_URL_SFN) return () => null;
  const base = `https://${env.AWS_REGION}.console.aws.amazon.com/states/home?region=${env.AWS_REGION}`;
  return (arn) => `${base}#/v2/executions/details/${encodeURIComponent(arn)}`;
}
