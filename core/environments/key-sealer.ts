import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals server-side keys at rest with AES-256-GCM under a key derived from the installation's secret key.
 * Flagsmith shows server-side keys in every list (its dashboard lists them for copying and never shows the
 * answer to the create), so they must be recoverable; sealing them means a copy of the database alone does
 * not give them away. After the secret key changes, old keys still authenticate (by hash) but no longer
 * unseal for display.
 */
export class KeySealer {
  readonly #key: Buffer;

  constructor(secretKey: string) {
    this.#key = Buffer.from(
      hkdfSync('sha256', secretKey, 'vexil', 'environment-api-keys', 32) as ArrayBuffer,
    );
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** The key, or undefined when it was sealed under another secret key (or the value is damaged). */
  unseal(sealed: string): string | undefined {
    try {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** What the SDK lane looks a `ser.` key up by. */
export function hashEnvironmentKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
