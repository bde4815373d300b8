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

/** SECURE_PROXY_SSL_HEADER: a request is HTTPS if the TLS socket says so or the named header has the value. */
export function requestScheme(req: Request, settings: OriginSettings): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const header = req.headers[settings.secureProxySslHeader.name];
  return header === settings.secureProxySslHeader.value ? 'https' : 'http';
}

export function requestOrigin(req: Request, settings: OriginSettings): string {
  return `${requestScheme(req, settings)}://${requestHost(req, settings)}`;
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
