/**
 * Every way start-up can fail, with a stable code. Operators grep logs for these codes and plugin authors
 * match on them in tests, so a code never changes meaning once released.
 */
export const StartupErrorCode = {
  /** An environment variable has a value we cannot use. */
  configInvalid: 'VEXIL_CONFIG_INVALID',
  /** A variable that has no safe default is missing (e.g. the secret key in production). */
  configMissing: 'VEXIL_CONFIG_MISSING',
  /** The database could not be opened or reached (also while migrating). */
  databaseUnavailable: 'VEXIL_DATABASE_UNAVAILABLE',
  /** A migration ran and failed; the message names it, the subject is its plugin or the database variable. */
  migrationFailed: 'VEXIL_MIGRATION_FAILED',
  /** A migration set cannot be applied as given: a bad plugin id or migration name, or an unknown applied one. */
  migrationInvalid: 'VEXIL_MIGRATION_INVALID',
  /** The HTTP server could not listen (the port is taken or not permitted). */
  listenFailed: 'VEXIL_LISTEN_FAILED',
  /** A fixture file given to `loaddata` is unreadable or names something we do not know. */
  fixtureInvalid: 'VEXIL_FIXTURE_INVALID',
} as const;

export type StartupErrorCode = (typeof StartupErrorCode)[keyof typeof StartupErrorCode];

export class StartupError extends Error {
  override readonly name = 'StartupError';

  constructor(
    readonly code: StartupErrorCode,
    message: string,
    /**
     * The environment variable, plugin id or file the error is about, for code and tests that match on it.
     * The one-line report prints only the code and the message, so the message names it as well.
     */
    readonly subject?: string,
  ) {
    super(message);
  }

  /** The single line printed before a non-zero exit. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** A configuration error always names the variable first, so that the fix is obvious from one line. */
export function invalidVariable(variable: string, value: string, expected: string): StartupError {
  return new StartupError(
    StartupErrorCode.configInvalid,
    `${variable}=${JSON.stringify(value)} is not valid: expected ${expected}`,
    variable,
  );
}
