import type { Settings } from '../../config/settings.js';
import type { Transactor } from '../data/unit-of-work.js';
import { DomainError, ErrorCode } from '../errors/domain-error.js';
import { LoginFailureModel } from './user-model.js';

// Advisory-lock namespace for per-account (and per-address) serialisation of password checks.
const lockNamespace = 7_311_002;
// Rows older than the cool-off window no longer count; they are purged at most this often.
const purgeIntervalMs = 60_000;

const lockedOutMessage = 'Account locked: too many login attempts. Please try again later.';

/** A password check that has been counted and may now run; settle it with succeeded() or leave it as a failure. */
export interface CountedAttempt {
  readonly username: string;
  readonly attemptId: number;
}

/**
 * Brute-force protection in the manner of django-axes, which Flagsmith uses: after AXES_FAILURE_LIMIT failures
 * inside the AXES_COOLOFF_TIME window, further attempts are refused even with the right password;
 * AXES_ONLY_USER_FAILURES=false also locks out an address that fails too often across accounts.
 *
 * The count is made atomic, unlike counting before the (slow) hash and recording after it, which let a burst
 * of concurrent guesses all be evaluated: each attempt takes an advisory lock on its account (and address),
 * re-counts inside it and records itself as a failure *before* the password is hashed. A correct password
 * then deletes the account's rows, as axes does on success.
 */
export class LoginLockout {
  #lastPurge = 0;

  constructor(
    private readonly transactor: Transactor,
    private readonly axes: Settings['axes'],
  ) {}

  #windowStart(): Date {
    return new Date(Date.now() - this.axes.cooloffMinutes * 60_000);
  }

  /** Counts the attempt, or throws the lockout error when the account (or address) has failed too often. */
  async begin(username: string, ipAddress: string): Promise<CountedAttempt> {
    const byAddress = !this.axes.onlyUserFailures;
    const attemptId = await this.transactor.run(async (uow) => {
      // Always account first, then address: one order for every transaction, so two can never deadlock.
      await uow.knex.raw('select pg_advisory_xact_lock(?, hashtext(lower(?)))', [lockNamespace, username]);
      if (byAddress) {
        await uow.knex.raw('select pg_advisory_xact_lock(?, hashtext(?))', [
          lockNamespace + 1,
          `ip:${ipAddress}`,
        ]);
      }
      const since = this.#windowStart();
      const failures = LoginFailureModel.query(uow.knex).where('failed_at', '>', since);
      const byUser = await failures.clone().whereRaw('lower(username) = lower(?)', [username]).resultSize();
      let locked = byUser >= this.axes.failureLimit;
      if (!locked && byAddress) {
        locked =
          (await failures.clone().where({ ip_address: ipAddress }).resultSize()) >= this.axes.failureLimit;
      }
      if (locked) return undefined;
      const row = await LoginFailureModel.query(uow.knex).insert({ username, ip_address: ipAddress });
      return row.id;
    });
    this.#purgeNowAndThen();
    if (attemptId === undefined) throw new DomainError(ErrorCode.loginLockedOut, lockedOutMessage);
    return { username, attemptId: Number(attemptId) };
  }

  /** The password was right: the account's failures are forgiven (axes' AXES_RESET_ON_SUCCESS). */
  async succeeded(attempt: CountedAttempt): Promise<void> {
    await this.transactor.run(async (uow) => {
      await LoginFailureModel.query(uow.knex)
        .whereRaw('lower(username) = lower(?)', [attempt.username])
        .delete();
    });
  }

  /** The check never ran (no hashing slot): it must not count against the account. */
  async withdraw(attempt: CountedAttempt): Promise<void> {
    await this.transactor.run(async (uow) => {
      await LoginFailureModel.query(uow.knex).deleteById(attempt.attemptId);
    });
  }

  /** Deletes rows that have left the window, so the table stays as small as the traffic of one window. */
  #purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.#lastPurge < purgeIntervalMs) return;
    this.#lastPurge = now;
    void this.purge().catch(() => undefined);
  }

  async purge(): Promise<number> {
    return await this.transactor.run(
      async (uow) =>
        await LoginFailureModel.query(uow.knex).where('failed_at', '<=', this.#windowStart()).delete(),
    );
  }
}
