import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * Throwaway credentials for the local sandboxes, generated on the first `npm start` into .local/ (git-ignored)
 * and kept so restarts keep working. They exist only on this machine and grant nothing anywhere else.
 */
export const localCredentialsSchema = z.object({
  phonepe: z.object({
    clientId: z.string(),
    clientSecret: z.string(),
    clientVersion: z.string(),
    merchantId: z.string(),
    webhookUsername: z.string().regex(/^\w{5,20}$/),
    webhookPassword: z.string().regex(/^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9]{8,20}$/),
  }),
  cashfree: z.object({ clientId: z.string(), clientSecret: z.string() }),
  paymentDetailsKey: z.object({ key: z.string().min(32), keyId: z.string() }),
  /**
   * Payouts 2FA: the functions sign with the public key (as with the one Cashfree issues), the sandbox checks
   * with the private key (which Cashfree keeps).
   */
  cashfreeTwoFactor: z.object({
    publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
    privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----'),
  }),
});
export type LocalCredentials = z.infer<typeof localCredentialsSchema>;

function token(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function generateCredentials(): LocalCredentials {
  return {
    phonepe: {
      clientId: `LOCAL_PG_${token(6)}`,
      clientSecret: token(16),
      clientVersion: '1',
      merchantId: `LOCALMERCHANT${token(3).toUpperCase()}`,
      webhookUsername: `hook_${token(4)}`,
      webhookPassword: `pw${token(6)}9`,
    },
    cashfree: { clientId: `LOCAL_CF_${token(6)}`, clientSecret: `local_secret_${token(16)}` },
    paymentDetailsKey: { key: token(32), keyId: 'local-1' },
    cashfreeTwoFactor: twoFactorKeyPair(),
  };
}

function twoFactorKeyPair(): LocalCredentials['cashfreeTwoFactor'] {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

export function loadOrCreateCredentials(file: string): LocalCredentials {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const parsed = localCredentialsSchema.safeParse(saved);
    if (parsed.success) return parsed.data;
    // A file from an older version keeps its credentials and gains what it lacks.
    const merged = localCredentialsSchema.safeParse({ ...generateCredentials(), ...saved });
    if (merged.success) {
      writeFileSync(file, JSON.stringify(merged.data, null, 2), { mode: 0o600 });
      return merged.data;
    }
  }
  const fresh = generateCredentials();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600 });
  return fresh;
}
