import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { UniqueViolationError } from 'objection';
import { ValidationError } from '../http/http-error.js';
import { UserModel } from './user-model.js';

// An arbitrary application-wide key for PostgreSQL's advisory lock (see lockFirstUserCreation).
const firstUserLockKey = 7_311_001;

export const userMessages = {
  emailTaken: 'Email already exists. Please log in.',
  usernameTaken: 'A user with that username already exists.',
};

export interface NewUser {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  username?: string | null;
  is_superuser?: boolean;
  is_staff?: boolean;
  is_active?: boolean;
  sign_up_type?: string | null;
  marketing_consent_given?: boolean;
}

function hashToken(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Persistence for users and their API tokens. Objection models are bound per call, never globally. */
export class UserStore {
  constructor(private readonly knex: Knex) {}

  query(trx: Knex = this.knex) {
    return UserModel.query(trx);
  }

  async findByEmail(email: string): Promise<UserModel | undefined> {
    return await this.query().whereRaw('lower(email) = lower(?)', [email]).first();
  }

  async findByUsername(username: string): Promise<UserModel | undefined> {
    return await this.query().where({ username }).first();
  }

  async findById(id: number): Promise<UserModel | undefined> {
    return await this.query().findById(id);
  }

  /**
   * Inserts a user. The unique indexes are the final word on duplicates: a concurrent sign-up that slipped
   * past the service's check becomes the same 400 the check gives, never a 500.
   */
  async create(user: NewUser, trx: Knex = this.knex): Promise<UserModel> {
    try {
      return await this.query(trx).insertAndFetch(user);
    } catch (error) {
      // Objection wraps the driver's error (pg's or PGlite's) in its db-errors classes.
      if (!(error instanceof UniqueViolationError)) throw error;
      throw error.constraint === 'users_username_unique'
        ? ValidationError.field('username', userMessages.usernameTaken)
        : ValidationError.field('email', userMessages.emailTaken);
    }
  }

  /**
   * Serialises, until the transaction ends, every path that may create the first superuser (the init page,
   * `superuser: true` sign-ups), so that two simultaneous requests cannot both see an empty table.
   */
  async lockFirstUserCreation(trx: Knex.Transaction): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [firstUserLockKey]);
  }

  async update(id: number, patch: Partial<NewUser> & { last_login?: Date }): Promise<UserModel> {
    return await this.query().patchAndFetchById(id, patch);
  }

  async delete(id: number): Promise<void> {
    await this.query().deleteById(id);
  }

  async superuserExists(trx: Knex = this.knex): Promise<boolean> {
    return (await trx('users').where({ is_superuser: true }).first('id')) !== undefined;
  }

  /** Issues a new token in DRF's format (40 hex characters); only its SHA-256 is stored. */
  async createToken(userId: number): Promise<string> {
    const key = randomBytes(20).toString('hex');
    await this.knex('auth_tokens').insert({ user_id: userId, key_hash: hashToken(key) });
    return key;
  }

  async findUserByToken(key: string): Promise<UserModel | undefined> {
    return await this.query()
      .join('auth_tokens', 'auth_tokens.user_id', 'users.id')
      .where('auth_tokens.key_hash', hashToken(key))
      .select('users.*')
      .first();
  }

  async deleteToken(key: string): Promise<void> {
    await this.knex('auth_tokens')
      .where({ key_hash: hashToken(key) })
      .delete();
  }

  async deleteTokensOf(userId: number): Promise<void> {
    await this.knex('auth_tokens').where({ user_id: userId }).delete();
  }
}
