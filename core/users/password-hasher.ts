import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

// Django's own scrypt hasher uses these parameters (16 MiB of memory per hash): memory-hard, yet cheap
// enough to sit on the login path of a 2-core server.
const cost = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const keyLength = 64;
// Stored hashes may carry other parameters (raised later); anything outside these bounds is not ours.
const maxStoredN = 2 ** 20;
const maxStoredRp = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Returns `scrypt$N$r$p$salt$hash`: the parameters travel with the hash so that they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

function storedParameter(text: string | undefined, max: number): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= max ? value : undefined;
}

/** False for a wrong password and for a stored hash that is not one of ours (it never matches, never throws). */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const N = storedParameter(parts[1], maxStoredN);
  const r = storedParameter(parts[2], maxStoredRp);
  const p = storedParameter(parts[3], maxStoredRp);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!N || !r || !p || salt.length === 0 || expected.length === 0 || (N & (N - 1)) !== 0) return false;
  let actual: Buffer;
  try {
    actual = await derive(password, salt, { N, r, p, maxmem: Math.max(cost.maxmem, 256 * N * r) });
  } catch {
    return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash that no password matches; spent on unknown users so that timing does not reveal who exists. */
export const unusablePasswordHash = `scrypt$${cost.N}$${cost.r}$${cost.p}$AAAAAAAAAAAAAAAAAAAAAA==$AAAA`;

export interface HashingLimits {
  /** Hashes computed at once (scrypt runs on libuv's thread pool, 4 threads by default). */
  readonly concurrency: number;
  /** Checks allowed to wait for a slot; more are refused at once with 429. */
  readonly queueLimit: number;
}

const busyMessage = 'Request was throttled. Expected available in 1 second.';

/**
 * Bounds the password hashing in flight. Each scrypt costs ~16 MiB and tens of milliseconds of a core, so an
 * unbounded flood of logins (even for unknown emails, which hash too, to keep timing flat) queued every
 * legitimate login behind it; now at most `concurrency + queueLimit` checks wait, and the excess is refused
 * at once with DRF's throttling answer (429, `Retry-After`).
 */
export class PasswordHashingPool {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limits: HashingLimits) {}

  /** Runs `work` (which hashes) once a slot is free; throws VEXIL_PASSWORD_CHECKS_BUSY when the queue is full. */
  async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limits.concurrency) {
      if (this.#waiting.length >= this.limits.queueLimit) {
        throw new DomainError(ErrorCode.passwordChecksBusy, busyMessage, { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  hash(password: string): Promise<string> {
    return this.withSlot(() => hashPassword(password));
  }

  /** Checks in flight and waiting, for tests and metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }
}
