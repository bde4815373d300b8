import type { Knex } from 'knex';
import type { Settings } from '../../config/settings.js';

/**
 * Brute-force protection in the manner of django-axes, which Flagsmith uses: after AXES_FAILURE_LIMIT
 * failures inside the cool-off window, further attempts are refused even with the right password.
 * AXES_ONLY_USER_FAILURES=false also locks out an IP address that fails too often across usernames.
 */
export class LoginLockout {
  constructor(
    private readonly knex: Knex,
    private readonly axes: Settings['axes'],
  ) {}

  #windowStart(): Date {
    return new Date(Date.now() - this.axes.cooloffMinutes * 60_000);
  }

  async #count(column: 'username' | 'ip_address', value: string): Promise<number> {
    const query = this.knex('login_failures').where('failed_at', '>', this.#windowStart());
    if (column === 'username') query.whereRaw('lower(username) = lower(?)', [value]);
    else query.where({ ip_address: value });
    const [row] = await query.count<{ count: string | number }[]>('id as count');
    return Number(row?.count ?? 0);
  }

  async isLockedOut(username: string, ipAddress: string): Promise<boolean> {
    if ((await this.#count('username', username)) >= this.axes.failureLimit) return true;
    if (this.axes.onlyUserFailures) return false;
    return (await this.#count('ip_address', ipAddress)) >= this.axes.failureLimit;
  }

  async recordFailure(username: string, ipAddress: string): Promise<void> {
    await this.knex('login_failures').insert({ username, ip_address: ipAddress });
  }

  /** A successful login clears that user's record, as axes does with AXES_RESET_ON_SUCCESS. */
  async reset(username: string): Promise<void> {
    await this.knex('login_failures').whereRaw('lower(username) = lower(?)', [username]).delete();
  }
}
