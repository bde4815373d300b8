import { createHmac } from 'node:crypto';

/** Flagsmith's header: the hex HMAC-SHA256 of the raw body, keyed with the webhook's secret. */
export const signatureHeader = 'X-Flagsmith-Signature';

export function signPayload(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}
