import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Settings } from '../../config/settings.js';
import { httpErrors } from './http-error.js';

type OriginSettings = Pick<Settings, 'useXForwardedHost' | 'secureProxySslHeader' | 'allowedHosts'>;

/** The caller's address. Express's own `req.ip` is used, so a `trust proxy` setting applies. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Django's _get_raw_host(): X-Forwarded-Host only when USE_X_FORWARDED_HOST says the proxy sets it. The value is
 * taken whole, as Django takes it: a list such as `allowed.example, evil.example` is not a host and is refused
 * by hostIsValid(), rather than trimmed to whichever entry happens to come first.
 */
export function requestHost(req: Pick<IncomingMessage, 'headers'>, settings: OriginSettings): string {
  const forwarded = settings.useXForwardedHost ? req.headers['x-forwarded-host'] : undefined;
  const raw = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded) ?? req.headers.host ?? '';
  return raw.trim();
}

// Django's host_validation_re: a name of letters, digits, dots and hyphens, or a bracketed IPv6 literal, then
// an optional port. Anything else (commas, spaces, user-info, paths) is refused even with ALLOWED_HOSTS `*`.
const hostPattern = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/i;

/** Whether Django's split_domain_port() would find a domain in `host` (an absent Host is left to the allow-list). */
function hostIsValid(host: string): boolean {
  return host === '' || hostPattern.test(host);
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
  if (host === '' || !hostPattern.test(host)) return false;
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    // Django drops one trailing dot: `example.com.` is the fully-qualified spelling of `example.com`.
    .replace(/\.$/, '')
    .toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return name === p.slice(1) || name.endsWith(p);
    return name === p;
  });
}

/**
 * DJANGO_ALLOWED_HOSTS as a predicate over the raw request, shared by both lanes of the dispatcher. The last
 * accepted host is remembered: nearly every request of a deployment names the same one.
 */
export function hostChecker(settings: OriginSettings): (req: Pick<IncomingMessage, 'headers'>) => boolean {
  const allowAll = settings.allowedHosts.includes('*');
  let lastAccepted: string | undefined;
  return (req) => {
    const host = requestHost(req, settings);
    if (host === lastAccepted) return true;
    const accepted = allowAll ? hostIsValid(host) : isAllowedHost(host, settings.allowedHosts);
    if (accepted) lastAccepted = host;
    return accepted;
  };
}

export const invalidHostError = () => httpErrors.badRequest('Invalid HTTP_HOST header.');

/** DJANGO_ALLOWED_HOSTS: refuse requests whose Host header names a site we do not serve, or is no host at all. */
export function allowedHostsGuard(settings: OriginSettings): RequestHandler {
  const accepts = hostChecker(settings);
  return (req, _res, next) => (accepts(req) ? next() : next(invalidHostError()));
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
