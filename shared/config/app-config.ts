import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoDirectoryRepository } from '../repositories/directory-repository';
import type { PaymentRepository } from '../repositories/payment-repository';
import { DynamoPayoutRepository } from '../repositories/payout-repository';
import { CashfreeClient } from '../clients/cashfree-client';
import { PhonePeClient } from '../clients/phonepe-client';
import { AccountCipher } from '../domain/account-cipher';
import { DEFAULT_PAYOUT_POLICY } from '../domain/payout-policy';
import type { PayoutPolicy } from '../domain/payout-policy';
import { nonEmpty, positiveInt, readEnv, urlVar } from './env';
import { loadSecret } from './secrets';

/**
 * Configuration pieces, each read and validated once per cold start by the functions that need it.
 * Names and URLs have no defaults: a missing one fails the start-up with its name.
 */
export const tableNames = {
  directory: () => readEnv(z.object({ DIRECTORY_TABLE: nonEmpty })).DIRECTORY_TABLE,
  payments: () => readEnv(z.object({ PAYMENTS_TABLE: nonEmpty })).PAYMENTS_TABLE,
  payouts: () => readEnv(z.object({ PAYOUTS_TABLE: nonEmpty })).PAYOUTS_TABLE,
};

export const phonePeSecretSchema = z.object({
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  clientVersion: nonEmpty,
  webhookUsername: nonEmpty,
  webhookPassword: nonEmpty,
});
export type PhonePeSecret = z.infer<typeof phonePeSecretSchema>;

export const cashfreeSecretSchema = z.object({ clientId: nonEmpty, clientSecret: nonEmpty });
export type CashfreeSecret = z.infer<typeof cashfreeSecretSchema>;

/** Caches one promise per container: the secret is read at the first request, then reused while warm. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= make().catch((error: unknown) => {
      value = null; // a failed read is retried by the next request rather than cached
      throw error;
    });
    return value;
  };
}

export const phonePeSecret = once(() => loadSecret('PHONEPE', phonePeSecretSchema));
export const cashfreeSecret = once(() => loadSecret('CASHFREE', cashfreeSecretSchema));

export const paymentDetailsKeySchema = z.object({ key: z.string().min(32), keyId: nonEmpty });
/** The key that encrypts owners' account numbers (shared/domain/account-cipher.ts). */
export const paymentDetailsCipher = once(async () => {
  const secret = await loadSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema);
  return new AccountCipher(secret.key, secret.keyId);
});

export function phonePeClientFactory(): () => Promise<PhonePeClient> {
  const env = readEnv(
    z.object({
      PHONEPE_OAUTH_BASE_URL: urlVar,
      PHONEPE_PG_BASE_URL: urlVar,
      PHONEPE_TIMEOUT_MS: positiveInt.default(8000),
    }),
  );
  return once(async () => {
    const secret = await phonePeSecret();
    return new PhonePeClient({
      oauthBaseUrl: env.PHONEPE_OAUTH_BASE_URL,
      pgBaseUrl: env.PHONEPE_PG_BASE_URL,
      clientId: secret.clientId,
      clientSecret: secret.clientSecret,
      clientVersion: secret.clientVersion,
      timeoutMs: env.PHONEPE_TIMEOUT_MS,
    });
  });
}

export function cashfreeClientFactory(): () => Promise<CashfreeClient> {
  const env = readEnv(
    z.object({ CASHFREE_BASE_URL: urlVar, CASHFREE_TIMEOUT_MS: positiveInt.default(10000) }),
  );
  return once(async () => {
    const secret = await cashfreeSecret();
    return new CashfreeClient({
      baseUrl: env.CASHFREE_BASE_URL.replace(/\/$/, ''),
      clientId: secret.clientId,
      clientSecret: secret.clientSecret,
      timeoutMs: env.CASHFREE_TIMEOUT_MS,
    });
  });
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

export function stateMachineArn(): string {
  return readEnv(z.object({ PAYOUT_STATE_MACHINE_ARN: nonEmpty })).PAYOUT_STATE_MACHINE_ARN;
}

/** What starting a payout run needs (the payout starter and manual retry). */
export function startPayoutDependencies(
  documentClient: DynamoDBDocumentClient,
  payments?: PaymentRepository,
) {
  return {
    ...(payments ? { payments } : {}),
    payouts: new DynamoPayoutRepository(documentClient, tableNames.payouts()),
    directory: new DynamoDirectoryRepository(documentClient, tableNames.directory(), paymentDetailsCipher),
    sfn: new SFNClient({}),
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
