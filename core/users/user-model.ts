import { Model } from 'objection';

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
}

/** What the rest of the app calls a user; the password hash never leaves the users slice. */
export type User = Omit<UserModel, 'password' | keyof Model>;
