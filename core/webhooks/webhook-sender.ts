import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, RefusedTargetError } from './webhook-target.js';

export interface SendOptions {
  /** The whole exchange, connecting included: a receiver that accepts and never answers is cut off here. */
  readonly timeoutMs: number;
  readonly allowPrivateTargets: boolean;
  readonly signal?: AbortSignal;
}

/** Longest response body read (and thrown away): a receiver's answer is only its status. */
const maxResponseBytes = 64 * 1024;

/**
 * One POST of a webhook body with node:http, bounded by an explicit deadline. Resolves with the status code;
 * rejects on a refused target, a network error, the deadline or an abort. Redirects are not followed: a
 * redirect could lead to an address the target check refused.
 */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      reject(new RefusedTargetError(`not a URL: ${target}`));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new RefusedTargetError(`unsupported scheme ${url.protocol}`));
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Node skips `lookup` for an address written in the URL, so a literal is checked here.
    if (isIP(host) && !options.allowPrivateTargets && isPrivateAddress(host)) {
      reject(new RefusedTargetError(`${host} is a private or loopback address`));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body).toString() },
      lookup: guardedLookup(options.allowPrivateTargets),
      signal: options.signal,
      agent: false,
    });
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const settle = (outcome: () => void) => {
      clearTimeout(deadline);
      outcome();
    };
    request.on('error', (error) => settle(() => reject(error)));
    request.on('response', (response) => {
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxResponseBytes) response.destroy();
      });
      response.on('close', () => settle(() => resolve(response.statusCode ?? 0)));
      response.on('error', () => settle(() => resolve(response.statusCode ?? 0)));
    });
    request.end(body);
  });
}
