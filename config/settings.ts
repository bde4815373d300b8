import { availableParallelism } from 'node:os';
import path from 'node:path';
import { invalidVariable, StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import { envTypes, type VariableType } from './env-schema.js';

export type Environment = NodeJS.ProcessEnv;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type DatabaseSettings =
  | {
      readonly kind: 'postgres';
      readonly connection: string | PostgresConnection;
      /** DB_POOL_MAX: connections this process may hold for queries (the notification listener is one more). */
      readonly poolMax?: number;
    }
  | { readonly kind: 'embedded'; readonly dataDir: string };

export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
}

/** Djoser/DRF permission classes that USER_CREATE_PERMISSIONS may name; all listed must pass. */
export const userCreatePermissionClasses = [
  'rest_framework.permissions.AllowAny',
  'rest_framework.permissions.IsAuthenticated',
  'rest_framework.permissions.IsAdminUser',
  'djoser.permissions.CurrentUserOrAdmin',
] as const;
export type UserCreatePermission = (typeof userCreatePermissionClasses)[number];

export interface Settings {
  /** ENV: picks defaults; `prod` makes a missing secret key fatal. */
  readonly env: 'local' | 'dev' | 'test' | 'staging' | 'prod';
  readonly port: number;
  /** Undefined when unset: the composition root then loads or creates the persisted key. */
  readonly secretKey: string | undefined;
  readonly logLevel: LogLevel;
  /** `-` for stdout, a file path, or undefined for no access log. */
  readonly accessLogLocation: string | undefined;
  readonly enableGzipCompression: boolean;
  readonly userCreatePermissions: readonly UserCreatePermission[];
  readonly allowRegistrationWithoutInvite: boolean;
  readonly enableEmailActivation: boolean;
  readonly defaultOrgStoreTraitsValue: boolean;
  /** Only superusers may create organisations (Flagsmith's RESTRICT_ORG_CREATE_TO_SUPERUSERS). */
  readonly restrictOrgCreateToSuperusers: boolean;
  /** Invite links can be neither created nor used (Flagsmith's DISABLE_INVITE_LINKS); email invites still work. */
  readonly disableInviteLinks: boolean;
  readonly enableAdminAccessUserPass: boolean;
  readonly useXForwardedHost: boolean;
  /** The request header (lower-case HTTP name) and value that mark a request as HTTPS behind a proxy. */
  readonly secureProxySslHeader: { readonly name: string; readonly value: string };
  readonly allowedAdminIpAddresses: readonly string[];
  readonly allowedHosts: readonly string[];
  readonly csrfTrustedOrigins: readonly string[];
  /** Origins whose pages may call the API from a browser; `*` (the default) for all, as Flagsmith allows. */
  readonly corsAllowedOrigins: readonly string[];
  /** Let webhooks call loopback and private addresses (refused by default: an admin-chosen URL is an SSRF vector). */
  readonly webhookAllowPrivateTargets: boolean;
  readonly axes: {
    readonly onlyUserFailures: boolean;
    readonly failureLimit: number;
    readonly cooloffMinutes: number;
  };
  readonly cache: {
    readonly flagsSeconds: number;
    readonly projectSegmentsSeconds: number;
  };
  readonly database: DatabaseSettings;
  /** Where the embedded database and other local state live. */
  readonly dataDir: string;
  /** Reverse proxies in front of Vexil whose X-Forwarded-For entries are trusted for the client address. */
  readonly numProxies: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** Password hashes computed at once, and checks allowed to wait for one; beyond that, 429. */
  readonly passwordHashing: { readonly concurrency: number; readonly queueLimit: number };
  readonly timeouts: HttpTimeouts;
  /**
   * WEB_CONCURRENCY (Heroku sets it per dyno size): worker processes sharing the port. Only a PostgreSQL
   * installation runs more than one; the embedded database lives inside a single process.
   */
  readonly webConcurrency: number;
}

/** Bounds on how long one connection may hold the server, in seconds. */
export interface HttpTimeouts {
  /** From a request's first byte until its headers have arrived (slow-header attacks). */
  readonly headersSeconds: number;
  /** From a request's first byte until the whole request, body included, has arrived (slow bodies). */
  readonly requestSeconds: number;
  /** How long an idle keep-alive connection is kept after a response. */
  readonly keepAliveSeconds: number;
}

/**
 * Keep-alive outlasts the idle timeout of the proxies Vexil usually sits behind (Heroku's Router 2.0 keeps
 * connections to a dyno for 90 s, AWS load balancers and nginx default to 60 s): a server that closes first
 * races the proxy's next request on that connection, which the client then sees as a 502.
 */
function parseTimeouts(env: Environment): HttpTimeouts {
  const timeouts = {
    headersSeconds: parse(env, envTypes.count(1), 10, 'HTTP_HEADERS_TIMEOUT_SECONDS'),
    requestSeconds: parse(env, envTypes.count(1), 30, 'HTTP_REQUEST_TIMEOUT_SECONDS'),
    keepAliveSeconds: parse(env, envTypes.count(1), 100, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS'),
  };
  // Node refuses a headers bound beyond the whole request's; say which variable to change instead.
  if (timeouts.headersSeconds > timeouts.requestSeconds) {
    throw invalidVariable(
      'HTTP_HEADERS_TIMEOUT_SECONDS',
      String(timeouts.headersSeconds),
      `a whole number no larger than HTTP_REQUEST_TIMEOUT_SECONDS (${timeouts.requestSeconds})`,
    );
  }
  return timeouts;
}

/** Reads a variable, treating the empty string as unset (Heroku and compose files often leave them blank). */
function read(env: Environment, ...names: string[]): { name: string; raw: string } | undefined {
  for (const name of names) {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') return { name, raw };
  }
  return undefined;
}

function parse<T>(env: Environment, type: VariableType<T>, fallback: T, ...names: string[]): T {
  const found = read(env, ...names);
  if (!found) return fallback;
  const result = type.schema.safeParse(found.raw.trim());
  if (!result.success) throw invalidVariable(found.name, found.raw, type.expected);
  return result.data;
}

const logLevels: Record<string, LogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
};

function parseLogLevel(env: Environment): LogLevel {
  const found = read(env, 'LOG_LEVEL');
  if (!found) return 'info';
  const level = logLevels[found.raw.trim().toUpperCase()];
  if (!level) throw invalidVariable('LOG_LEVEL', found.raw, 'one of DEBUG, INFO, WARNING, ERROR, CRITICAL');
  return level;
}

function parseDatabase(env: Environment, dataDir: string): DatabaseSettings {
  const url = read(env, 'DATABASE_URL');
  if (url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url.raw.trim());
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol) || parsed.pathname.length < 2) {
      throw invalidVariable(
        'DATABASE_URL',
        url.raw,
        'a PostgreSQL URL such as postgres://user:password@host:5432/dbname',
      );
    }
    return { kind: 'postgres', connection: url.raw.trim(), poolMax: parsePoolMax(env) };
  }
  // Flagsmith deployments name these DJANGO_DB_*; accept both so that existing settings carry over.
  const host = read(env, 'DB_HOST', 'DJANGO_DB_HOST');
  const name = read(env, 'DB_NAME', 'DJANGO_DB_NAME');
  const user = read(env, 'DB_USER', 'DJANGO_DB_USER');
  const password = read(env, 'DB_PASSWORD', 'DJANGO_DB_PASSWORD');
  const port = parse(env, envTypes.port, 5432, 'DB_PORT', 'DJANGO_DB_PORT');
  if (!host && !name && !user && !password && !read(env, 'DB_PORT', 'DJANGO_DB_PORT')) {
    return { kind: 'embedded', dataDir: path.join(dataDir, 'db') };
  }
  if (!name) {
    throw new StartupError(
      StartupErrorCode.configMissing,
      'DB_NAME (or DJANGO_DB_NAME) is required when other DB_* variables are set',
      'DB_NAME',
    );
  }
  return {
    kind: 'postgres',
    poolMax: parsePoolMax(env),
    connection: {
      host: host?.raw.trim() ?? '127.0.0.1',
      port,
      database: name.raw.trim(),
      ...(user ? { user: user.raw.trim() } : {}),
      ...(password ? { password: password.raw } : {}),
    },
  };
}

/**
 * Measured with `npm run bench:sdk` on 2 cores: identity requests at 50 connections went from 2.3k req/s with 10
 * connections to 2.9–3.3k with 30, since a connection stays taken until the event loop reads its answer. Small
 * hosted plans cap connections (Heroku's Essential-0: 20), hence the variable.
 */
function parsePoolMax(env: Environment): number {
  return parse(env, envTypes.count(1), 30, 'DB_POOL_MAX');
}

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise): more hashes at once
 * than cores only make each slower, so the default follows the cores, and the queue holds about a second.
 */
function parsePasswordHashing(env: Environment): Settings['passwordHashing'] {
  const concurrency = parse(
    env,
    envTypes.count(1),
    Math.max(2, Math.min(4, availableParallelism())),
    'PASSWORD_HASH_CONCURRENCY',
  );
  return { concurrency, queueLimit: parse(env, envTypes.count(0), 4 * concurrency, 'PASSWORD_HASH_QUEUE') };
}

/** Django names request headers `HTTP_X_FORWARDED_PROTO`; Node sees `x-forwarded-proto`. */
function headerFromDjangoName(name: string): string {
  return name
    .replace(/^HTTP_/i, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/**
 * Parses every core variable once. Throws a StartupError naming the first bad variable; never falls
 * back silently. Plugins read their own variables through the plugin contract.
 */
export function loadSettings(env: Environment, cwd: string = process.cwd()): Settings {
  const dataDir = path.resolve(cwd, parse(env, envTypes.string, './data', 'DATA_DIR'));
  const deployment = parse(env, envTypes.oneOf(['local', 'dev', 'test', 'staging', 'prod']), 'local', 'ENV');
  const secretKey = read(env, 'DJANGO_SECRET_KEY', 'SECRET_KEY')?.raw;
  if (deployment === 'prod' && secretKey === undefined) {
    throw new StartupError(
      StartupErrorCode.configMissing,
      'DJANGO_SECRET_KEY (or SECRET_KEY) must be set when ENV=prod',
      'DJANGO_SECRET_KEY',
    );
  }
  const userCreatePermissions = parse(
    env,
    envTypes.list,
    ['rest_framework.permissions.AllowAny'],
    'USER_CREATE_PERMISSIONS',
  );
  for (const permission of userCreatePermissions) {
    if (!(userCreatePermissionClasses as readonly string[]).includes(permission)) {
      throw invalidVariable(
        'USER_CREATE_PERMISSIONS',
        env.USER_CREATE_PERMISSIONS ?? '',
        `a comma-separated list of ${userCreatePermissionClasses.join(', ')}`,
      );
    }
  }
  const accessLog = read(env, 'ACCESS_LOG_LOCATION')?.raw.trim();

  return {
    env: deployment,
    port: parse(env, envTypes.port, 8000, 'PORT'),
    secretKey,
    logLevel: parseLogLevel(env),
    accessLogLocation: accessLog,
    enableGzipCompression: parse(env, envTypes.boolean, false, 'ENABLE_GZIP_COMPRESSION'),
    userCreatePermissions: userCreatePermissions as UserCreatePermission[],
    allowRegistrationWithoutInvite: parse(env, envTypes.boolean, true, 'ALLOW_REGISTRATION_WITHOUT_INVITE'),
    enableEmailActivation: parse(env, envTypes.boolean, false, 'ENABLE_EMAIL_ACTIVATION'),
    defaultOrgStoreTraitsValue: parse(env, envTypes.boolean, true, 'DEFAULT_ORG_STORE_TRAITS_VALUE'),
    restrictOrgCreateToSuperusers: parse(env, envTypes.boolean, false, 'RESTRICT_ORG_CREATE_TO_SUPERUSERS'),
    disableInviteLinks: parse(env, envTypes.boolean, false, 'DISABLE_INVITE_LINKS'),
    enableAdminAccessUserPass: parse(env, envTypes.boolean, false, 'ENABLE_ADMIN_ACCESS_USER_PASS'),
    useXForwardedHost: parse(env, envTypes.boolean, false, 'USE_X_FORWARDED_HOST'),
    secureProxySslHeader: {
      name: headerFromDjangoName(
        parse(env, envTypes.string, 'HTTP_X_FORWARDED_PROTO', 'SECURE_PROXY_SSL_HEADER_NAME').trim(),
      ),
      value: parse(env, envTypes.string, 'https', 'SECURE_PROXY_SSL_HEADER_VALUE').trim(),
    },
    allowedAdminIpAddresses: parse(env, envTypes.list, [], 'ALLOWED_ADMIN_IP_ADDRESSES'),
    allowedHosts: parse(env, envTypes.list, ['*'], 'DJANGO_ALLOWED_HOSTS'),
    csrfTrustedOrigins: parse(env, envTypes.originList, [], 'DJANGO_CSRF_TRUSTED_ORIGINS'),
    corsAllowedOrigins: parse(env, envTypes.corsOriginList, ['*'], 'CORS_ALLOWED_ORIGINS'),
    webhookAllowPrivateTargets: parse(env, envTypes.boolean, false, 'WEBHOOK_ALLOW_PRIVATE_TARGETS'),
    axes: {
      onlyUserFailures: parse(env, envTypes.boolean, true, 'AXES_ONLY_USER_FAILURES'),
      failureLimit: parse(env, envTypes.count(1), 10, 'AXES_FAILURE_LIMIT'),
      cooloffMinutes: parse(env, envTypes.count(1), 15, 'AXES_COOLOFF_TIME'),
    },
    cache: {
      flagsSeconds: parse(env, envTypes.count(0), 0, 'CACHE_FLAGS_SECONDS'),
      projectSegmentsSeconds: parse(env, envTypes.count(0), 0, 'CACHE_PROJECT_SEGMENTS_SECONDS'),
    },
    database: parseDatabase(env, dataDir),
    dataDir,
    numProxies: parse(env, envTypes.count(0), 0, 'NUM_PROXIES'),
    bodyLimitBytes: parse(env, envTypes.count(1024), 1024 * 1024, 'MAX_REQUEST_BODY_BYTES'),
    passwordHashing: parsePasswordHashing(env),
    timeouts: parseTimeouts(env),
    webConcurrency: parse(env, envTypes.count(1), 1, 'WEB_CONCURRENCY'),
  };
}
