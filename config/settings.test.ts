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
    assert.equal(settings.restrictOrgCreateToSuperusers, false);
    assert.equal(settings.disableInviteLinks, false);
    assert.deepEqual(settings.axes, { onlyUserFailures: true, failureLimit: 10, cooloffMinutes: 15 });
    assert.deepEqual(settings.cache, { flagsSeconds: 0, projectSegmentsSeconds: 0 });
    assert.deepEqual(settings.secureProxySslHeader, { name: 'x-forwarded-proto', value: 'https' });
    assert.deepEqual(settings.allowedHosts, ['*']);
    assert.deepEqual(settings.database, { kind: 'embedded', dataDir: path.join('/srv/vexil/data', 'db') });
    // Both trust a header or a shortcut that an operator must opt into.
    assert.equal(settings.enableAdminAccessUserPass, false);
    assert.equal(settings.useXForwardedHost, false);
    assert.deepEqual(settings.allowedAdminIpAddresses, []);
    assert.deepEqual(settings.csrfTrustedOrigins, []);
    assert.equal(settings.numProxies, 0);
    assert.equal(settings.bodyLimitBytes, 1024 * 1024);
    assert.equal(settings.dataDir, '/srv/vexil/data');
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
        RESTRICT_ORG_CREATE_TO_SUPERUSERS: 'True',
        DISABLE_INVITE_LINKS: 'yes',
        ENABLE_ADMIN_ACCESS_USER_PASS: 'true',
        USE_X_FORWARDED_HOST: 'on',
        SECURE_PROXY_SSL_HEADER_NAME: 'HTTP_X_SCHEME',
        SECURE_PROXY_SSL_HEADER_VALUE: 'secure',
        ALLOWED_ADMIN_IP_ADDRESSES: '10.0.0.1, 10.0.0.2',
        DJANGO_ALLOWED_HOSTS: 'flags.example.com,.example.org',
        DJANGO_CSRF_TRUSTED_ORIGINS: 'https://app.example.com',
        AXES_ONLY_USER_FAILURES: 'false',
        AXES_FAILURE_LIMIT: '5',
        AXES_COOLOFF_TIME: '30',
        MAX_REQUEST_BODY_BYTES: '2048',
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
    assert.equal(settings.restrictOrgCreateToSuperusers, true);
    assert.equal(settings.disableInviteLinks, true);
    assert.equal(settings.enableAdminAccessUserPass, true);
    assert.equal(settings.useXForwardedHost, true);
    assert.deepEqual(settings.secureProxySslHeader, { name: 'x-scheme', value: 'secure' });
    assert.deepEqual(settings.allowedAdminIpAddresses, ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(settings.allowedHosts, ['flags.example.com', '.example.org']);
    assert.deepEqual(settings.csrfTrustedOrigins, ['https://app.example.com']);
    assert.deepEqual(settings.axes, { onlyUserFailures: false, failureLimit: 5, cooloffMinutes: 30 });
    assert.equal(settings.bodyLimitBytes, 2048);
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
        poolMax: 30,
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
        poolMax: 30,
        connection: { host: 'db', port: 6543, database: 'flagsmith', user: 'fs', password: 'secret' },
      },
    );
    assert.deepEqual(loadSettings({ DB_NAME: 'vexil', DJANGO_DB_NAME: 'other' }).database, {
      kind: 'postgres',
      poolMax: 30,
      connection: { host: '127.0.0.1', port: 5432, database: 'vexil' },
    });
  });

  it('reads the DB_* names the README gives, each preferred to its DJANGO_DB_* alias', () => {
    assert.deepEqual(
      loadSettings({
        DB_HOST: 'db',
        DB_NAME: 'vexil',
        DB_USER: 'app',
        DB_PASSWORD: ' secret ',
        DB_PORT: '6432',
        DJANGO_DB_HOST: 'other-host',
        DJANGO_DB_USER: 'other-user',
        DJANGO_DB_PASSWORD: 'other-password',
        DJANGO_DB_PORT: '7000',
      }).database,
      {
        kind: 'postgres',
        poolMax: 30,
        connection: { host: 'db', port: 6432, database: 'vexil', user: 'app', password: ' secret ' },
      },
    );
  });

  it('takes DB_POOL_MAX as the PostgreSQL pool size, a whole number of at least 1', () => {
    const url = { DATABASE_URL: 'postgres://u:p@db:5432/vexil' };
    const database = loadSettings({ ...url, DB_POOL_MAX: '12' }).database;
    assert.equal(database.kind === 'postgres' && database.poolMax, 12);
    rejects({ ...url, DB_POOL_MAX: '0' }, 'DB_POOL_MAX');
    rejects({ ...url, DB_POOL_MAX: 'many' }, 'DB_POOL_MAX');
    assert.equal(
      loadSettings({ DB_POOL_MAX: '12' }).database.kind,
      'embedded',
      'it alone does not mean PostgreSQL',
    );
  });

  it('turns to PostgreSQL when any one DB_* variable is set, and then needs DB_NAME', () => {
    for (const name of ['DB_HOST', 'DB_USER', 'DB_PASSWORD', 'DB_PORT', 'DJANGO_DB_USER', 'DJANGO_DB_PORT']) {
      rejects({ [name]: '5433' }, 'DB_NAME');
    }
    assert.equal(loadSettings({ DB_NAME: 'vexil', DB_HOST: '  ' }).database.kind, 'postgres');
    rejects({ DB_NAME: 'vexil', DB_PORT: '0' }, 'DB_PORT', /between 1 and 65535/);
    rejects({ DB_NAME: 'vexil', DJANGO_DB_PORT: 'five' }, 'DJANGO_DB_PORT');
  });

  it('names RESTRICT_ORG_CREATE_TO_SUPERUSERS and DISABLE_INVITE_LINKS when they are not booleans', () => {
    rejects(
      { RESTRICT_ORG_CREATE_TO_SUPERUSERS: 'superusers' },
      'RESTRICT_ORG_CREATE_TO_SUPERUSERS',
      /boolean/,
    );
    rejects({ DISABLE_INVITE_LINKS: '2' }, 'DISABLE_INVITE_LINKS', /boolean/);
  });

  it('reads AXES_COOLOFF_TIME in minutes, at least one', () => {
    assert.equal(loadSettings({ AXES_COOLOFF_TIME: '1' }).axes.cooloffMinutes, 1);
    assert.equal(loadSettings({ AXES_COOLOFF_TIME: '120' }).axes.cooloffMinutes, 120);
    rejects({ AXES_COOLOFF_TIME: '0' }, 'AXES_COOLOFF_TIME', /at least 1/);
  });
});

describe('variable types (config/env-schema.ts)', () => {
  it('booleans take every spelling Django accepts, in any case', () => {
    for (const raw of ['true', 'True', 'TRUE', '1', 'yes', 'Yes', 'on', 'ON', 'y', 'Y', 't', 'T', ' true ']) {
      assert.equal(loadSettings({ ENABLE_GZIP_COMPRESSION: raw }).enableGzipCompression, true, raw);
    }
    for (const raw of ['false', 'False', 'FALSE', '0', 'no', 'No', 'off', 'OFF', 'n', 'N', 'f', 'F']) {
      assert.equal(
        loadSettings({ DEFAULT_ORG_STORE_TRAITS_VALUE: raw }).defaultOrgStoreTraitsValue,
        false,
        raw,
      );
    }
    for (const raw of ['2', 'truthy', 'nope', 'enabled', '-1']) {
      rejects({ USE_X_FORWARDED_HOST: raw }, 'USE_X_FORWARDED_HOST', /true\/false, 1\/0, yes\/no, on\/off/);
    }
  });

  it('whole numbers hold their lower bounds exactly', () => {
    assert.equal(loadSettings({ AXES_FAILURE_LIMIT: '1' }).axes.failureLimit, 1);
    rejects({ AXES_FAILURE_LIMIT: '0' }, 'AXES_FAILURE_LIMIT', /a whole number of at least 1/);
    assert.equal(loadSettings({ CACHE_FLAGS_SECONDS: '0' }).cache.flagsSeconds, 0);
    assert.equal(loadSettings({ NUM_PROXIES: '0' }).numProxies, 0);
    assert.equal(loadSettings({ MAX_REQUEST_BODY_BYTES: '1024' }).bodyLimitBytes, 1024);
    rejects({ MAX_REQUEST_BODY_BYTES: '1023' }, 'MAX_REQUEST_BODY_BYTES', /at least 1024/);
    for (const raw of ['1.5', '1e3', '0x10', '-0', '+5', 'ten']) {
      rejects({ CACHE_PROJECT_SEGMENTS_SECONDS: raw }, 'CACHE_PROJECT_SEGMENTS_SECONDS', /whole number/);
    }
  });

  it('ports run from 1 to 65535', () => {
    assert.equal(loadSettings({ PORT: '1' }).port, 1);
    assert.equal(loadSettings({ PORT: '65535' }).port, 65535);
    for (const raw of ['0', '65536', '-1', '80.5', '8o80', ' 80 80']) {
      rejects({ PORT: raw }, 'PORT', /a TCP port number between 1 and 65535/);
    }
    assert.equal(loadSettings({ PORT: ' 8080 ' }).port, 8080);
  });

  it('lists are comma-separated, items trimmed and empty items dropped', () => {
    assert.deepEqual(loadSettings({ DJANGO_ALLOWED_HOSTS: ' a.example , ,b.example,, ' }).allowedHosts, [
      'a.example',
      'b.example',
    ]);
    assert.deepEqual(loadSettings({ ALLOWED_ADMIN_IP_ADDRESSES: '10.0.0.1' }).allowedAdminIpAddresses, [
      '10.0.0.1',
    ]);
    assert.deepEqual(
      loadSettings({ USER_CREATE_PERMISSIONS: ' rest_framework.permissions.IsAuthenticated , ' })
        .userCreatePermissions,
      ['rest_framework.permissions.IsAuthenticated'],
    );
  });

  it('trusted origins need a scheme and a host, and nothing after them', () => {
    assert.deepEqual(
      loadSettings({
        DJANGO_CSRF_TRUSTED_ORIGINS: 'https://a.example.com, http://localhost:8000,https://*.example.org',
      }).csrfTrustedOrigins,
      ['https://a.example.com', 'http://localhost:8000', 'https://*.example.org'],
    );
    for (const raw of [
      'flags.example.com',
      'https://ok.example.com,flags.example.com',
      'https://flags.example.com/path',
      'ftp://flags.example.com',
      'https://',
      'https://*.',
      'https://a*b.example.com',
      'https://flags.example.com:99999',
    ]) {
      rejects(
        { DJANGO_CSRF_TRUSTED_ORIGINS: raw },
        'DJANGO_CSRF_TRUSTED_ORIGINS',
        /origins such as https:\/\//,
      );
    }
  });

  it('one-of values are matched exactly', () => {
    assert.equal(loadSettings({ ENV: 'staging' }).env, 'staging');
    rejects({ ENV: 'PROD' }, 'ENV', /one of local, dev, test, staging, prod/);
  });
});
