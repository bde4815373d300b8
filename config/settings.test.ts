import { strict as assert } from 'node:assert';
import path from 'node:path';
import { StartupError } from '../core/errors/startup-error.js';
import { loadSettings } from './settings.js';

function rejects(env: Record<string, string>, variable: string, pattern?: RegExp) {
  assert.throws(
    () => loadSettings(env, '/srv/vexil'),
    (error: unknown) => {
      assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
      assert.equal(error.subject, variable);
      assert.ok(error.toLine().includes(variable), error.toLine());
      if (pattern) assert.match(error.toLine(), pattern);
      return true;
    },
  );
}

describe('settings', () => {
  it('has working defaults with no variables at all', () => {
    const settings = loadSettings({}, '/srv/vexil');
    assert.equal(settings.env, 'local');
    assert.equal(settings.port, 8000);
    assert.equal(settings.secretKey, undefined);
    assert.equal(settings.logLevel, 'info');
    assert.equal(settings.accessLogLocation, undefined);
    assert.equal(settings.enableGzipCompression, false);
    assert.deepEqual(settings.userCreatePermissions, ['rest_framework.permissions.AllowAny']);
    assert.equal(settings.allowRegistrationWithoutInvite, true);
    assert.equal(settings.enableEmailActivation, false);
    assert.equal(settings.defaultOrgStoreTraitsValue, true);
    assert.deepEqual(settings.axes, { onlyUserFailures: true, failureLimit: 10, cooloffMinutes: 15 });
    assert.deepEqual(settings.cache, { flagsSeconds: 0, projectSegmentsSeconds: 0 });
    assert.deepEqual(settings.secureProxySslHeader, { name: 'x-forwarded-proto', value: 'https' });
    assert.deepEqual(settings.allowedHosts, ['*']);
    assert.deepEqual(settings.database, { kind: 'embedded', dataDir: path.join('/srv/vexil/data', 'db') });
    assert.deepEqual(settings.timeouts, { headersSeconds: 10, requestSeconds: 30, keepAliveSeconds: 100 });
  });

  it('reads every documented variable', () => {
    const settings = loadSettings(
      {
        ENV: 'dev',
        PORT: '9000',
        SECRET_KEY: 'abc',
        LOG_LEVEL: 'warning',
        ACCESS_LOG_LOCATION: '-',
        ENABLE_GZIP_COMPRESSION: 'True',
        USER_CREATE_PERMISSIONS: 'djoser.permissions.CurrentUserOrAdmin',
        ALLOW_REGISTRATION_WITHOUT_INVITE: '0',
        ENABLE_EMAIL_ACTIVATION: 'yes',
        DEFAULT_ORG_STORE_TRAITS_VALUE: 'False',
        ENABLE_ADMIN_ACCESS_USER_PASS: 'true',
        USE_X_FORWARDED_HOST: 'on',
        SECURE_PROXY_SSL_HEADER_NAME: 'HTTP_X_SCHEME',
        SECURE_PROXY_SSL_HEADER_VALUE: 'secure',
        ALLOWED_ADMIN_IP_ADDRESSES: '10.0.0.1, 10.0.0.2',
        DJANGO_ALLOWED_HOSTS: 'flags.example.com,.example.org',
        DJANGO_CSRF_TRUSTED_ORIGINS: 'https://app.example.com',
        AXES_ONLY_USER_FAILURES: 'false',
        AXES_FAILURE_LIMIT: '5',
        CACHE_FLAGS_SECONDS: '30',
        CACHE_PROJECT_SEGMENTS_SECONDS: '60',
        DATA_DIR: 'state',
        NUM_PROXIES: '2',
        HTTP_HEADERS_TIMEOUT_SECONDS: '5',
        HTTP_REQUEST_TIMEOUT_SECONDS: '20',
        HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '65',
      },
      '/srv/vexil',
    );
    assert.equal(settings.env, 'dev');
    assert.equal(settings.port, 9000);
    assert.equal(settings.secretKey, 'abc');
    assert.equal(settings.logLevel, 'warn');
    assert.equal(settings.accessLogLocation, '-');
    assert.equal(settings.enableGzipCompression, true);
    assert.deepEqual(settings.userCreatePermissions, ['djoser.permissions.CurrentUserOrAdmin']);
    assert.equal(settings.allowRegistrationWithoutInvite, false);
    assert.equal(settings.enableEmailActivation, true);
    assert.equal(settings.defaultOrgStoreTraitsValue, false);
    assert.equal(settings.enableAdminAccessUserPass, true);
    assert.equal(settings.useXForwardedHost, true);
    assert.deepEqual(settings.secureProxySslHeader, { name: 'x-scheme', value: 'secure' });
    assert.deepEqual(settings.allowedAdminIpAddresses, ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(settings.allowedHosts, ['flags.example.com', '.example.org']);
    assert.deepEqual(settings.csrfTrustedOrigins, ['https://app.example.com']);
    assert.deepEqual(settings.axes, { onlyUserFailures: false, failureLimit: 5, cooloffMinutes: 15 });
    assert.deepEqual(settings.cache, { flagsSeconds: 30, projectSegmentsSeconds: 60 });
    assert.equal(settings.dataDir, '/srv/vexil/state');
    assert.equal(settings.numProxies, 2);
    assert.deepEqual(settings.timeouts, { headersSeconds: 5, requestSeconds: 20, keepAliveSeconds: 65 });
  });

  it('prefers DJANGO_SECRET_KEY and treats empty values as unset', () => {
    assert.equal(loadSettings({ DJANGO_SECRET_KEY: 'one', SECRET_KEY: 'two' }).secretKey, 'one');
    assert.equal(loadSettings({ DJANGO_SECRET_KEY: '', SECRET_KEY: 'two' }).secretKey, 'two');
    assert.equal(loadSettings({ PORT: '' }).port, 8000);
  });

  it('rejects bad values, naming the variable and what it expects', () => {
    rejects({ AXES_FAILURE_LIMIT: 'abc' }, 'AXES_FAILURE_LIMIT', /whole number/);
    rejects({ AXES_FAILURE_LIMIT: '0' }, 'AXES_FAILURE_LIMIT');
    rejects({ LOG_LEVEL: 'LOUD' }, 'LOG_LEVEL', /DEBUG, INFO, WARNING, ERROR, CRITICAL/);
    rejects({ DATABASE_URL: 'nonsense' }, 'DATABASE_URL', /PostgreSQL URL/);
    rejects({ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL');
    rejects({ PORT: '70000' }, 'PORT');
    rejects({ ENABLE_GZIP_COMPRESSION: 'maybe' }, 'ENABLE_GZIP_COMPRESSION', /boolean/);
    rejects({ ENV: 'production-ish' }, 'ENV');
    rejects({ CACHE_FLAGS_SECONDS: '-1' }, 'CACHE_FLAGS_SECONDS');
    rejects({ NUM_PROXIES: 'one' }, 'NUM_PROXIES');
    rejects({ USER_CREATE_PERMISSIONS: 'my.custom.Permission' }, 'USER_CREATE_PERMISSIONS');
    rejects({ DJANGO_DB_HOST: 'db.internal' }, 'DB_NAME');
    rejects(
      { HTTP_REQUEST_TIMEOUT_SECONDS: '0' },
      'HTTP_REQUEST_TIMEOUT_SECONDS',
      /whole number of at least 1/,
    );
    rejects({ HTTP_HEADERS_TIMEOUT_SECONDS: 'soon' }, 'HTTP_HEADERS_TIMEOUT_SECONDS');
    rejects({ HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '-5' }, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS');
    rejects(
      { HTTP_HEADERS_TIMEOUT_SECONDS: '40', HTTP_REQUEST_TIMEOUT_SECONDS: '30' },
      'HTTP_HEADERS_TIMEOUT_SECONDS',
      /no larger than HTTP_REQUEST_TIMEOUT_SECONDS \(30\)/,
    );
    assert.equal(
      loadSettings({ HTTP_HEADERS_TIMEOUT_SECONDS: '30' }).timeouts.headersSeconds,
      30,
      'equal is allowed',
    );
  });

  it('requires a secret key in production', () => {
    rejects({ ENV: 'prod' }, 'DJANGO_SECRET_KEY');
    assert.equal(loadSettings({ ENV: 'prod', DJANGO_SECRET_KEY: 'k' }).env, 'prod');
  });

  it('picks the database: DATABASE_URL, then DB_* or DJANGO_DB_*, then embedded', () => {
    assert.deepEqual(
      loadSettings({ DATABASE_URL: 'postgres://u:p@db:5432/vexil', DB_HOST: 'ignored' }).database,
      {
        kind: 'postgres',
        connection: 'postgres://u:p@db:5432/vexil',
      },
    );
    assert.deepEqual(
      loadSettings({
        DJANGO_DB_HOST: 'db',
        DJANGO_DB_NAME: 'flagsmith',
        DJANGO_DB_USER: 'fs',
        DJANGO_DB_PASSWORD: 'secret',
        DJANGO_DB_PORT: '6543',
      }).database,
      {
        kind: 'postgres',
        connection: { host: 'db', port: 6543, database: 'flagsmith', user: 'fs', password: 'secret' },
      },
    );
    assert.deepEqual(loadSettings({ DB_NAME: 'vexil', DJANGO_DB_NAME: 'other' }).database, {
      kind: 'postgres',
      connection: { host: '127.0.0.1', port: 5432, database: 'vexil' },
    });
  });
});
