import { createHash, randomBytes } from 'node:crypto';
import { UniqueViolationError } from 'objection';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { ValidationError } from '../errors/domain-error.js';
import { AuthTokenModel, UserModel } from './user-model.js';

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

/**
 * Persistence for users and their API tokens. Reads take any DataScope, writes a UnitOfWork: there is no
 * default connection to fall back to.
 */
export class UserStore {
  #users(scope: DataScope) {
    return UserModel.query(scope.knex);
  }

  async findByEmail(scope: DataScope, email: string): Promise<UserModel | undefined> {
    return await this.#users(scope).whereRaw('lower(email) = lower(?)', [email]).first();
  }

  async findById(scope: DataScope, id: number): Promise<UserModel | undefined> {
    return await this.#users(scope).findById(id);
  }

  async anyUserExists(scope: DataScope): Promise<boolean> {
    return (await this.#users(scope).select('id').first()) !== undefined;
  }

  async anyLoginRecorded(scope: DataScope): Promise<boolean> {
    return (await this.#users(scope).whereNotNull('last_login').select('id').first()) !== undefined;
  }

  async superuserExists(scope: DataScope): Promise<boolean> {
    return (await this.#users(scope).where({ is_superuser: true }).select('id').first()) !== undefined;
  }

  /**
   * Inserts a user. The unique indexes are the final word on duplicates: a concurrent sign-up that slipped
   * past the service's check becomes the same 400 the check gives, never a 500.
   */
  async create(uow: UnitOfWork, user: NewUser): Promise<UserModel> {
    try {
      return await this.#users(uow).insertAndFetch(user);
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
  async lockFirstUserCreation(uow: UnitOfWork): Promise<void> {
    await uow.knex.raw('select pg_advisory_xact_lock(?)', [firstUserLockKey]);
  }

  async update(
    uow: UnitOfWork,
    id: number,
    patch: Partial<NewUser> & { last_login?: Date; onboarding_data?: string | null },
  ): Promise<UserModel> {
    return await this.#users(uow).patchAndFetchById(id, patch);
  }

  async delete(uow: UnitOfWork, id: number): Promise<void> {
    await this.#users(uow).deleteById(id);
  }

  /** Issues a new token in DRF's format (40 hex characters); only its SHA-256 is stored. */
  async createToken(uow: UnitOfWork, userId: number): Promise<string> {
    const key = randomBytes(20).toString('hex');
    await AuthTokenModel.query(uow.knex).insert({ user_id: userId, key_hash: hashToken(key) });
    return key;
  }

  async findUserByToken(scope: DataScope, key: string): Promise<UserModel | undefined> {
    return await this.#users(scope)
      .join('auth_tokens', 'auth_tokens.user_id', 'users.id')
      .where('auth_tokens.key_hash', hashToken(key))
      .select('users.*')
      .first();
  }

  async deleteToken(uow: UnitOfWork, key: string): Promise<void> {
    await AuthTokenModel.query(uow.knex)
      .where({ key_hash: hashToken(key) })
      .delete();
  }

  /** Revokes every token of the user except `keep` (the one the request came with), e.g. after a password change. */
  async deleteTokensOf(uow: UnitOfWork, userId: number, keep?: string): Promise<void> {
    const query = AuthTokenModel.query(uow.knex).where({ user_id: userId });
    if (keep !== undefined) query.whereNot({ key_hash: hashToken(keep) });
    await query.delete();
  }
}
