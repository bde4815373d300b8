import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Settings } from '../../config/settings.js';
import type { DataScope, Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { DomainError, ErrorCode, ValidationError } from '../errors/domain-error.js';
import type { LoginLockout } from './login-lockout.js';
import { type PasswordHashingPool, unusablePasswordHash, verifyPassword } from './password-hasher.js';
import type { User, UserModel } from './user-model.js';
import type { NewUser, UserStore } from './user-store.js';

export interface Registration {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  superuser?: boolean | undefined;
  sign_up_type?: string | null | undefined;
  marketing_consent_given?: boolean | undefined;
  invite_hash?: string | undefined;
}

/**
 * Whether a sign-up carries a valid invite, asked when ALLOW_REGISTRATION_WITHOUT_INVITE=false. The
 * organisations slice provides it, so that this slice knows nothing of invites' tables.
 */
export type InviteChecker = (check: {
  email: string;
  signUpType: string | null | undefined;
  inviteHash: string | undefined;
}) => Promise<boolean>;

export interface SuperuserInput {
  email: string;
  password: string;
  username?: string | undefined;
  first_name?: string | undefined;
  last_name?: string | undefined;
}

// Django's messages, which Flagsmith's front end shows as they are.
const messages = {
  noInvite: 'User registration without an invite is disabled for this installation.',
  superuserExists: 'A superuser can only be created through this  endpoint if no other users exist.',
  badCredentials: 'Unable to log in with provided credentials.',
  inactive: 'User account is disabled.',
  invalidPassword: 'Invalid password.',
  passwordMismatch: "The two password fields didn't match.",
  invalidActivation: 'Invalid token for given user.',
  staleActivation: 'Stale token for given user.',
  // DRF's UniqueValidator message for FFAdminUser.email (verbose name "Feature flag admin user").
  emailInUse: 'Feature flag admin user with this email already exists.',
  invalidUid: "Invalid user id or user doesn't exist.",
  invalidResetToken: 'Invalid token for given user.',
};

/** Flagsmith's MAX_PASSWORD_RESET_EMAILS per PASSWORD_RESET_EMAIL_COOLDOWN, and Django's PASSWORD_RESET_TIMEOUT. */
export const passwordReset = { maxEmails: 5, cooldownSeconds: 86_400, tokenSeconds: 259_200 };

/** Django's password validators that matter for a self-hosted install: length and all-digits. */
export function checkPasswordStrength(password: string, field = 'password'): void {
  const problems: string[] = [];
  if (password.length < 8)
    problems.push('This password is too short. It must contain at least 8 characters.');
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  if (problems.length > 0) throw new ValidationError({ [field]: problems });
}

function withoutPassword(user: UserModel): User {
  const { password: _password, ...rest } = user;
  return rest as User;
}

/** Where a password check comes from: the lockout counts by account and by this address. */
export interface CallerContext {
  readonly ipAddress: string;
}

/**
 * Accounts, credentials and sign-up policy. Routes translate HTTP and declare permissions; this decides.
 * Every write runs in one unit of work; passwords are hashed before a transaction opens, never inside one
 * (a hash waits for a slot, and a transaction held meanwhile would stall PGlite's only connection).
 */
export class UserService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: UserStore,
    private readonly lockout: LoginLockout,
    private readonly hashing: PasswordHashingPool,
    private readonly settings: Pick<Settings, 'allowRegistrationWithoutInvite' | 'enableEmailActivation'>,
    private readonly secretKey: string,
  ) {}

  #inviteChecker: InviteChecker | undefined;

  /** Installs the invite gate; without one, closed registration refuses every sign-up. */
  useInviteChecker(checker: InviteChecker): void {
    this.#inviteChecker = checker;
  }

  async register(input: Registration): Promise<{ user: User; key: string | undefined }> {
    if (!this.settings.allowRegistrationWithoutInvite) {
      const invited = await this.#inviteChecker?.({
        email: input.email,
        signUpType: input.sign_up_type,
        inviteHash: input.invite_hash,
      });
      if (!invited) throw new DomainError(ErrorCode.registrationClosed, messages.noInvite);
    }
    checkPasswordStrength(input.password);
    const password = await this.hashing.hash(input.password);
    const active = !this.settings.enableEmailActivation;
    const superuser = input.superuser === true;

    return this.transactor.run(async (uow) => {
      if (superuser) {
        await this.store.lockFirstUserCreation(uow);
        if (await this.store.anyUserExists(uow))
          throw ValidationError.field('superuser', messages.superuserExists);
      }
      const user = await this.#insert(uow, {
        email: input.email.toLowerCase(),
        password,
        first_name: input.first_name,
        last_name: input.last_name,
        sign_up_type: input.sign_up_type ?? null,
        marketing_consent_given: input.marketing_consent_given ?? false,
        is_superuser: superuser,
        is_staff: superuser,
        is_active: active,
      });
      if (!active) {
        const { uid, token } = this.activationToken(user);
        uow.emit('user.activationRequested', {
          userId: user.id,
          email: user.email,
          uid,
          token,
          activationPath: `/activate/${uid}/${token}`,
        });
      }
      // An inactive user cannot log in yet, so handing out a token would bypass activation.
      const key = active ? await this.store.createToken(uow, user.id) : undefined;
      return { user: withoutPassword(user), key };
    });
  }

  async #insert(uow: UnitOfWork, user: NewUser): Promise<UserModel> {
    const created = await this.store.create(uow, user);
    uow.emit('user.created', { userId: created.id, email: created.email });
    return created;
  }

  /**
   * A password check under the lockout: counted before the hash runs, forgiven when right. `email` is the
   * account the lockout counts against (the login's email, or the signed-in user's own).
   */
  async #guardedCheck(
    email: string,
    password: string,
    caller: CallerContext,
  ): Promise<UserModel | undefined> {
    return this.hashing.withSlot(async () => {
      const attempt = await this.lockout.begin(email, caller.ipAddress);
      const user = await this.store.findByEmail(this.transactor.reads, email);
      const valid = await verifyPassword(password, user?.password ?? unusablePasswordHash);
      if (!user || !valid) return undefined;
      await this.lockout.succeeded(attempt);
      return user;
    });
  }

  /** Checks a login, honouring the lockout. Every failure is recorded, including unknown emails. */
  async login(email: string, password: string, caller: CallerContext): Promise<User> {
    const user = await this.#guardedCheck(email, password, caller);
    if (!user) throw ValidationError.nonField(messages.badCredentials);
    if (!user.is_active) throw ValidationError.nonField(messages.inactive);
    const signedIn = await this.transactor.run((uow) =>
      this.store.update(uow, user.id, { last_login: new Date() }),
    );
    return withoutPassword(signedIn);
  }

  issueToken(user: User): Promise<string> {
    return this.transactor.run((uow) => this.store.createToken(uow, user.id));
  }

  revokeToken(key: string): Promise<void> {
    return this.transactor.run((uow) => this.store.deleteToken(uow, key));
  }

  async userForToken(key: string): Promise<User | undefined> {
    const user = await this.store.findUserByToken(this.transactor.reads, key);
    return user?.is_active ? withoutPassword(user) : undefined;
  }

  /**
   * Flagsmith's `users/me/onboarding/`: the given keys (`tasks`, `tools`, `hosting_preferences`) replace the
   * stored ones, the others stay.
   */
  async patchOnboarding(user: User, patch: Record<string, unknown>): Promise<void> {
    await this.transactor.run(async (uow) => {
      const row = (await uow.knex('users').where('id', user.id).forUpdate().first('onboarding_data')) as
        | { onboarding_data: string | null }
        | undefined;
      let existing: Record<string, unknown> = {};
      try {
        const parsed: unknown = row?.onboarding_data ? JSON.parse(row.onboarding_data) : {};
        if (typeof parsed === 'object' && parsed !== null) existing = parsed as Record<string, unknown>;
      } catch {
        // Unreadable data is replaced, as a fresh checklist.
      }
      await this.store.update(uow, user.id, { onboarding_data: JSON.stringify({ ...existing, ...patch }) });
    });
  }

  async updateProfile(user: User, patch: { first_name?: string; last_name?: string }): Promise<User> {
    return withoutPassword(await this.transactor.run((uow) => this.store.update(uow, user.id, patch)));
  }

  async #checkCurrentPassword(user: User, currentPassword: string, caller: CallerContext): Promise<void> {
    const checked = await this.#guardedCheck(user.email, currentPassword, caller);
    if (checked?.id !== user.id) throw ValidationError.field('current_password', messages.invalidPassword);
  }

  /**
   * djoser's set_password. Every other token of the user is revoked: whoever learnt the old password (or
   * holds a token issued with it) is signed out; the token that made the change stays valid.
   */
  async changePassword(
    user: User,
    input: { current_password: string; new_password: string; re_new_password: string },
    caller: CallerContext & { readonly token?: string | undefined },
  ): Promise<void> {
    if (input.new_password !== input.re_new_password)
      throw ValidationError.nonField(messages.passwordMismatch);
    await this.#checkCurrentPassword(user, input.current_password, caller);
    checkPasswordStrength(input.new_password, 'new_password');
    const password = await this.hashing.hash(input.new_password);
    await this.transactor.run(async (uow) => {
      await this.store.update(uow, user.id, { password });
      await this.store.deleteTokensOf(uow, user.id, caller.token);
    });
  }

  /**
   * djoser's set_email (SetUsernameSerializer, the dashboard's "change email address"): the current password,
   * then an address no other account has, in any case. Tokens stay valid: the account is the same.
   */
  async changeEmail(
    user: User,
    input: { current_password: string; new_email: string },
    caller: CallerContext,
  ): Promise<void> {
    await this.#checkCurrentPassword(user, input.current_password, caller);
    const email = input.new_email.toLowerCase();
    await this.transactor.run(async (uow) => {
      const taken = await uow
        .knex('users')
        .whereRaw('lower(email) = ?', [email])
        .whereNot('id', user.id)
        .first('id');
      if (taken) throw ValidationError.field('new_email', messages.emailInUse);
      await this.store.update(uow, user.id, { email });
    });
  }

  async deleteAccount(user: User, currentPassword: string, caller: CallerContext): Promise<void> {
    await this.#checkCurrentPassword(user, currentPassword, caller);
    await this.transactor.run((uow) => this.store.delete(uow, user.id));
  }

  /** Whether anyone has an account, and whether anyone has signed in: the dashboard's first-run hints. */
  async usage(scope: DataScope): Promise<{ hasUsers: boolean; hasLogins: boolean }> {
    const [hasUsers, hasLogins] = await Promise.all([
      this.store.anyUserExists(scope),
      this.store.anyLoginRecorded(scope),
    ]);
    return { hasUsers, hasLogins };
  }

  superuserExists(scope: DataScope = this.transactor.reads): Promise<boolean> {
    return this.store.superuserExists(scope);
  }

  /** For `createsuperuser`: no permission checks, and other users (even superusers) may exist. */
  async createSuperuser(input: SuperuserInput): Promise<User> {
    return (await this.#createSuperuser(input, false)) as User;
  }

  /**
   * For the first-run page: serialised with every other path to a first superuser, and skipped (undefined)
   * once one exists. `alongside` runs in the same transaction, so that what the caller records with the user
   * (the site name and domain) commits or rolls back with it.
   */
  createFirstSuperuser(input: SuperuserInput, alongside?: (uow: UnitOfWork) => Promise<void>) {
    return this.#createSuperuser(input, true, alongside);
  }

  async #createSuperuser(
    input: SuperuserInput,
    onlyIfFirst: boolean,
    alongside?: (uow: UnitOfWork) => Promise<void>,
  ): Promise<User | undefined> {
    checkPasswordStrength(input.password);
    const password = await this.hashing.hash(input.password);
    return this.transactor.run(async (uow) => {
      if (onlyIfFirst) {
        await this.store.lockFirstUserCreation(uow);
        if (await this.store.superuserExists(uow)) return undefined;
      }
      const user = await this.#insert(uow, {
        email: input.email.toLowerCase(),
        username: input.username ?? null,
        password,
        first_name: input.first_name ?? '',
        last_name: input.last_name ?? '',
        is_superuser: true,
        is_staff: true,
        is_active: true,
      });
      await alongside?.(uow);
      return withoutPassword(user);
    });
  }

  /**
   * A stateless activation token in the manner of Django's PasswordResetTokenGenerator: an HMAC over
   * values that change once the account is activated, so a token works exactly once.
   */
  activationToken(user: Pick<UserModel, 'id' | 'is_active' | 'password'>): { uid: string; token: string } {
    const uid = Buffer.from(String(user.id)).toString('base64url');
    const token = createHmac('sha256', this.secretKey)
      .update(`activation:${user.id}:${user.is_active}:${user.password}`)
      .digest('base64url');
    return { uid, token };
  }

  /**
   * A password reset token in the spirit of Django's PasswordResetTokenGenerator: when it was issued, and an
   * HMAC over the account's id, email, password hash and last login, so that it dies once the password
   * changes or the account signs in, and after `passwordReset.tokenSeconds`.
   */
  passwordResetToken(
    user: Pick<UserModel, 'id' | 'email' | 'password' | 'last_login'>,
    issuedAt = Math.floor(Date.now() / 1000),
  ): { uid: string; token: string } {
    const uid = Buffer.from(String(user.id)).toString('base64url');
    const lastLogin = user.last_login ? new Date(user.last_login).toISOString() : '';
    const signature = createHmac('sha256', this.secretKey)
      .update(`password-reset:${user.id}:${user.email}:${user.password}:${lastLogin}:${issuedAt}`)
      .digest('base64url');
    return { uid, token: `${issuedAt.toString(36)}-${signature}` };
  }

  /**
   * Flagsmith's reset_password: always 204, so that it tells nobody whether an address has an account. An
   * active account gets the email (the `user.passwordResetRequested` event) unless it had
   * `passwordReset.maxEmails` in the last `passwordReset.cooldownSeconds`.
   */
  async requestPasswordReset(email: string): Promise<void> {
    await this.transactor.run(async (uow) => {
      const user = (await uow
        .knex('users')
        .whereRaw('lower(email) = ?', [email.toLowerCase()])
        .where('is_active', true)
        .first('id', 'email', 'password', 'last_login')) as
        | Pick<UserModel, 'id' | 'email' | 'password' | 'last_login'>
        | undefined;
      if (!user) return;
      const since = new Date(Date.now() - passwordReset.cooldownSeconds * 1000);
      const [recent] = (await uow
        .knex('password_reset_requests')
        .where('user_id', user.id)
        .where('requested_at', '>=', since)
        .count({ count: '*' })) as { count: string | number }[];
      if (Number(recent?.count ?? 0) >= passwordReset.maxEmails) return;
      await uow.knex('password_reset_requests').insert({ user_id: user.id });
      const { uid, token } = this.passwordResetToken(user);
      uow.emit('user.passwordResetRequested', {
        userId: user.id,
        email: user.email,
        uid,
        token,
        resetPath: `/password-reset/confirm/${uid}/${token}`,
      });
    });
  }

  /** djoser's reset_password_confirm: a live token of the account sets a new password and signs it out. */
  async confirmPasswordReset(input: {
    uid: string;
    token: string;
    new_password: string;
    re_new_password: string;
  }): Promise<void> {
    const id = Number(Buffer.from(input.uid, 'base64url').toString());
    const user =
      Number.isSafeInteger(id) && id > 0 ? await this.store.findById(this.transactor.reads, id) : undefined;
    if (!user) throw ValidationError.field('uid', messages.invalidUid);
    const [issued] = input.token.split('-');
    const issuedAt = issued && /^[0-9a-z]{1,8}$/.test(issued) ? Number.parseInt(issued, 36) : Number.NaN;
    const now = Math.floor(Date.now() / 1000);
    const expected = Buffer.from(Number.isNaN(issuedAt) ? '' : this.passwordResetToken(user, issuedAt).token);
    const given = Buffer.from(input.token);
    const live = !Number.isNaN(issuedAt) && issuedAt <= now && now - issuedAt <= passwordReset.tokenSeconds;
    if (!live || expected.length !== given.length || !timingSafeEqual(expected, given))
      throw ValidationError.field('token', messages.invalidResetToken);
    if (input.new_password !== input.re_new_password)
      throw ValidationError.nonField(messages.passwordMismatch);
    checkPasswordStrength(input.new_password, 'new_password');
    const password = await this.hashing.hash(input.new_password);
    await this.transactor.run(async (uow) => {
      await this.store.update(uow, user.id, { password });
      await this.store.deleteTokensOf(uow, user.id, undefined);
    });
  }

  async activate(uid: string, token: string): Promise<void> {
    const id = Number(Buffer.from(uid, 'base64url').toString());
    const user = Number.isSafeInteger(id) ? await this.store.findById(this.transactor.reads, id) : undefined;
    if (!user) throw ValidationError.field('uid', "Invalid user id or user doesn't exist.");
    if (user.is_active) throw new DomainError(ErrorCode.activationStale, messages.staleActivation);
    const expected = Buffer.from(this.activationToken(user).token);
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw ValidationError.field('token', messages.invalidActivation);
    }
    await this.transactor.run((uow) => this.store.update(uow, user.id, { is_active: true }));
  }
}
