import type { Request, RequestHandler } from 'express';
import type { Settings } from '../../config/settings.js';
import { httpErrors } from './http-error.js';

type OriginSettings = Pick<Settings, 'useXForwardedHost' | 'secureProxySslHeader' | 'allowedHosts'>;

/** The caller's address. Express's own `req.ip` is used, so a `trust proxy` setting applies. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Django's get_host(): X-Forwarded-Host only when USE_X_FORWARDED_HOST says the proxy sets it. */
export function requestHost(req: Request, settings: OriginSettings): string {
  const forwarded = settings.useXForwardedHost ? req.headers['x-forwarded-host'] : undefined;
  const raw = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.headers.host ?? '';
  return raw.split(',')[0]?.trim() ?? '';
}

/**
 * SECURE_PROXY_SSL_HEADER: a request is HTTPS if the TLS socket says so or the named header has the value.
 * As in Django, only the first of several comma-separated values counts (the one our proxy wrote, when
 * it prepends), and a repeated header is read the same way.
 */
export function requestScheme(req: Request, settings: OriginSettings): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const header = req.headers[settings.secureProxySslHeader.name];
  const raw = Array.isArray(header) ? header.join(',') : header;
  const first = raw?.split(',')[0]?.trim();
  return first !== undefined && first === settings.secureProxySslHeader.value ? 'https' : 'http';
}

/** `scheme://host[:port]` lower-cased with the scheme's default port dropped; undefined unless http(s). */
export function normalisedOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
}

/** The origin a same-origin browser page would send: scheme from requestScheme, host from requestHost. */
export function requestOrigin(req: Request, settings: OriginSettings): string | undefined {
  return normalisedOrigin(`${requestScheme(req, settings)}://${requestHost(req, settings)}`);
}

/**
 * DJANGO_CSRF_TRUSTED_ORIGINS, as Django reads it: exact origins, or `https://*.example.com` for a domain
 * and its subdomains. Scheme and port must match too (default ports are implied).
 */
export function isTrustedOrigin(origin: string, trusted: readonly string[]): boolean {
  const candidate = normalisedOrigin(origin);
  if (!candidate) return false;
  const { protocol, hostname, port } = new URL(candidate);
  return trusted.some((entry) => {
    const pattern = normalisedOrigin(entry);
    if (!pattern) return false;
    const expected = new URL(pattern);
    if (expected.protocol !== protocol || expected.port !== port) return false;
    if (!expected.hostname.startsWith('*.')) return expected.hostname === hostname;
    const domain = expected.hostname.slice(2);
    return hostname === domain || hostname.endsWith(`.${domain}`);
  });
}

/** Matches Django's ALLOWED_HOSTS rules: `*`, exact names, and `.example.com` for a domain and its subdomains. */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return name === p.slice(1) || name.endsWith(p);
    return name === p;
  });
}

/** DJANGO_ALLOWED_HOSTS: refuse requests whose Host header names a site we do not serve. */
export function allowedHostsGuard(settings: OriginSettings): RequestHandler {
  const allowAll = settings.allowedHosts.includes('*');
  return (req, _res, next) => {
    if (allowAll || isAllowedHost(requestHost(req, settings), settings.allowedHosts)) return next();
    return next(httpErrors.badRequest('Invalid HTTP_HOST header.'));
  };
}

/**
 * ALLOWED_ADMIN_IP_ADDRESSES: the admin console answers only these addresses (all when the list is empty).
 * IPv4 addresses reached over a dual-stack socket arrive as `::ffff:a.b.c.d`, so both forms are compared.
 */
export function adminIpGuard(settings: Pick<Settings, 'allowedAdminIpAddresses'>): RequestHandler {
  const allowed = new Set(settings.allowedAdminIpAddresses);
  return (req, _res, next) => {
    if (allowed.size === 0) return next();
    const ip = clientIp(req);
    if (allowed.has(ip) || allowed.has(ip.replace(/^::ffff:/, ''))) return next();
    return next(httpErrors.forbidden());
  };
}
