import { lookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set: loopback, private
 * networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified, multicast and
 * reserved ranges. A webhook URL is chosen by any organisation admin; without this, it would be a way to make
 * the server call into its own network (SSRF).
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  refused.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is one a webhook may not reach by default. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return refused.check(mapped[1] as string, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return refused.check(bare, 'ipv4');
  if (family === 6) {
    // ::ffff:7f00:1 is 127.0.0.1 written in hex.
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
    if (hexMapped) {
      const high = Number.parseInt(hexMapped[1] as string, 16);
      const low = Number.parseInt(hexMapped[2] as string, 16);
      return refused.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
    }
    return refused.check(bare, 'ipv6');
  }
  return true;
}

export class RefusedTargetError extends Error {
  override readonly name = 'RefusedTargetError';
}

/** The refusal, or undefined when `url` may be called (its host resolving to public addresses only). */
export async function targetRefusal(url: URL, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? `${host} is a private or loopback address.` : undefined;
  if (/^localhost$|\.localhost$/i.test(host)) return `${host} is a loopback host.`;
  const addresses = await new Promise<{ address: string }[]>((resolve) =>
    lookup(host, { all: true }, (error, found) => resolve(error ? [] : found)),
  );
  const bad = addresses.find((entry) => isPrivateAddress(entry.address));
  return bad ? `${host} resolves to a private or loopback address.` : undefined;
}

/**
 * A `lookup` for node:http that refuses private addresses at connection time, so that a name which resolved
 * to a public address when the webhook was saved cannot be re-pointed at an internal one (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as { address: string; family: number }[];
      const bad = allowPrivate ? undefined : list.find((entry) => isPrivateAddress(entry.address));
      if (bad) return callback(new RefusedTargetError(`${hostname} resolves to ${bad.address}`), '', 0);
      if (options.all) return (callback as (e: null, a: typeof list) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
