import { Model } from 'objection';

/** The `users` table. Models are bound to a connection per query (`Model.query(scope.knex)`), never globally. */
export class UserModel extends Model {
  static override tableName = 'users';

  id!: number;
  uuid!: string;
  email!: string;
  username!: string | null;
  password!: string;
  first_name!: string;
  last_name!: string;
  is_active!: boolean;
  is_superuser!: boolean;
  is_staff!: boolean;
  auth_type!: string;
  sign_up_type!: string | null;
  marketing_consent_given!: boolean;
  date_joined!: Date;
  last_login!: Date | null;
  /** The dashboard's getting-started checklist, JSON text as Flagsmith keeps it (`onboarding_data`). */
  onboarding_data!: string | null;
}

/** `auth_tokens`: only a SHA-256 of each key is stored, so a leaked table does not leak working tokens. */
export class AuthTokenModel extends Model {
  static override tableName = 'auth_tokens';

  id!: number;
  user_id!: number;
  key_hash!: string;
  created_at!: Date;
}

/** `login_failures`: one row per password check that failed (or is being made), counted by the lockout. */
export class LoginFailureModel extends Model {
  static override tableName = 'login_failures';

  id!: number;
  username!: string;
  ip_address!: string;
  failed_at!: Date;
}

/** What the rest of the app calls a user; the password hash never leaves the users slice. */
export type User = Omit<UserModel, 'password' | keyof Model>;

/** The fields Flagsmith's serializers show of a person beside something else (a member, an author, an inviter). */
export type UserSummary = Pick<User, 'id' | 'uuid' | 'email' | 'first_name' | 'last_name' | 'last_login'>;
