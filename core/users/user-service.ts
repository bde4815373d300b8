import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Settings, UserCreatePermission } from '../../config/settings.js';
import type { EventBus } from '../events/event-bus.js';
import { httpErrors, ValidationError } from '../http/http-error.js';
import type { LoginLockout } from './login-lockout.js';
import { hashPassword, unusablePasswordHash, verifyPassword } from './password-hasher.js';
import type { User, UserModel } from './user-model.js';
import type { UserStore } from './user-store.js';

export interface Registration {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  superuser?: boolean | undefined;
  sign_up_type?: string | null | undefined;
  marketing_consent_given?: boolean | undefined;
}

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
  lockedOut: 'Account locked: too many login attempts. Please try again later.',
  inactive: 'User account is disabled.',
  invalidPassword: 'Invalid password.',
  passwordMismatch: "The two password fields didn't match.",
  invalidActivation: 'Invalid token for given user.',
  staleActivation: 'Stale token for given user.',
};

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

/** Accounts, credentials and sign-up policy. Routes translate HTTP; this decides. */
export class UserService {
  constructor(
    private readonly knex: Knex,
    private readonly store: UserStore,
    private readonly lockout: LoginLockout,
    private readonly events: EventBus,
    private readonly settings: Pick<
      Settings,
      'userCreatePermissions' | 'allowRegistrationWithoutInvite' | 'enableEmailActivation'
    >,
    private readonly secretKey: string,
  ) {}

  /** USER_CREATE_PERMISSIONS names DRF permission classes; like DRF, every one listed must allow the call. */
  #checkCreatePermission(actor: User | undefined): void {
    for (const permission of this.settings.userCreatePermissions as UserCreatePermission[]) {
      if (permission === 'rest_framework.permissions.AllowAny') continue;
      if (!actor) throw httpErrors.notAuthenticated();
      if (
        permission === 'rest_framework.permissions.IsAdminUser' &&
        !(actor.is_staff || actor.is_superuser)
      ) {
        throw httpErrors.forbidden();
      }
    }
  }

  async register(input: Registration, actor?: User): Promise<{ user: User; key: string | undefined }> {
    this.#checkCreatePermission(actor);
    const email = input.email.toLowerCase();
    if (!this.settings.allowRegistrationWithoutInvite) {
      // Invitations arrive with the organisations slice; until an invite matches, sign-up is closed.
      throw httpErrors.forbidden(messages.noInvite);
    }
    checkPasswordStrength(input.password);
    const password = await hashPassword(input.password);
    const active = !this.settings.enableEmailActivation;

    const user = await this.knex.transaction(async (trx) => {
      const superuser = input.superuser === true;
      if (superuser) await this.store.lockFirstUserCreation(trx);
      if (superuser && (await this.store.query(trx).first())) {
        throw ValidationError.field('superuser', messages.superuserExists);
      }
      return this.store.create(
        {
          email,
          password,
          first_name: input.first_name,
          last_name: input.last_name,
          sign_up_type: input.sign_up_type ?? null,
          marketing_consent_given: input.marketing_consent_given ?? false,
          is_superuser: superuser,
          is_staff: superuser,
          is_active: active,
        },
        trx,
      );
    });

    this.events.emit('user.created', { userId: user.id, email: user.email });
    if (!active) {
      const { uid, token } = this.activationToken(user);
      this.events.emit('user.activationRequested', {
        userId: user.id,
        email: user.email,
        uid,
        token,
        activationPath: `/activate/${uid}/${token}`,
      });
    }
    // An inactive user cannot log in yet, so handing out a token would bypass activation.
    const key = active ? await this.store.createToken(user.id) : undefined;
    return { user: withoutPassword(user), key };
  }

  /** Checks a login, honouring the lockout. Every failure is recorded, including unknown emails. */
  async login(email: string, password: string, ipAddress: string): Promise<User> {
    if (await this.lockout.isLockedOut(email, ipAddress)) throw httpErrors.forbidden(messages.lockedOut);
    const user = await this.store.findByEmail(email);
    const valid = await verifyPassword(password, user?.password ?? unusablePasswordHash);
    if (!user || !valid) {
      await this.lockout.recordFailure(email, ipAddress);
      throw ValidationError.nonField(messages.badCredentials);
    }
    if (!user.is_active) throw ValidationError.nonField(messages.inactive);
    await this.lockout.reset(email);
    return withoutPassword(await this.store.update(user.id, { last_login: new Date() }));
  }

  issueToken(user: User): Promise<string> {
    return this.store.createToken(user.id);
  }

  revokeToken(key: string): Promise<void> {
    return this.store.deleteToken(key);
  }

  async userForToken(key: string): Promise<User | undefined> {
    const user = await this.store.findUserByToken(key);
    return user?.is_active ? withoutPassword(user) : undefined;
  }

  async updateProfile(user: User, patch: { first_name?: string; last_name?: string }): Promise<User> {
    return withoutPassword(await this.store.update(user.id, patch));
  }

  async #checkCurrentPassword(user: User, currentPassword: string): Promise<void> {
    const stored = await this.store.findById(user.id);
    if (!stored || !(await verifyPassword(currentPassword, stored.password))) {
      throw ValidationError.field('current_password', messages.invalidPassword);
    }
  }

  async changePassword(
    user: User,
    input: { current_password: string; new_password: string; re_new_password: string },
  ): Promise<void> {
    if (input.new_password !== input.re_new_password)
      throw ValidationError.nonField(messages.passwordMismatch);
    await this.#checkCurrentPassword(user, input.current_password);
    checkPasswordStrength(input.new_password, 'new_password');
    await this.store.update(user.id, { password: await hashPassword(input.new_password) });
  }

  async deleteAccount(user: User, currentPassword: string): Promise<void> {
    await this.#checkCurrentPassword(user, currentPassword);
    await this.store.delete(user.id);
  }

  superuserExists(trx?: Knex): Promise<boolean> {
    return this.store.superuserExists(trx);
  }

  /** See UserStore.lockFirstUserCreation. */
  lockFirstUserCreation(trx: Knex.Transaction): Promise<void> {
    return this.store.lockFirstUserCreation(trx);
  }

  /** For `createsuperuser` and the init page: no permission checks, and the email may not exist yet. */
  async createSuperuser(input: SuperuserInput, trx: Knex = this.knex): Promise<User> {
    const email = input.email.toLowerCase();
    checkPasswordStrength(input.password);
    const user = await this.store.create(
      {
        email,
        username: input.username ?? null,
        password: await hashPassword(input.password),
        first_name: input.first_name ?? '',
        last_name: input.last_name ?? '',
        is_superuser: true,
        is_staff: true,
        is_active: true,
      },
      trx,
    );
    this.events.emit('user.created', { userId: user.id, email: user.email });
    return withoutPassword(user);
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

  async activate(uid: string, token: string): Promise<void> {
    const id = Number(Buffer.from(uid, 'base64url').toString());
    const user = Number.isSafeInteger(id) ? await this.store.findById(id) : undefined;
    if (!user) throw ValidationError.field('uid', "Invalid user id or user doesn't exist.");
    if (user.is_active) throw httpErrors.forbidden(messages.staleActivation);
    const expected = Buffer.from(this.activationToken(user).token);
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw ValidationError.field('token', messages.invalidActivation);
    }
    await this.store.update(user.id, { is_active: true });
  }
}
