import type { RequestHandler } from 'express';
import { httpErrors } from './http-error.js';

/** An uploaded file of a `multipart/form-data` body, as DRF's FileField hands it over. */
export interface UploadedFile {
  readonly kind: 'file';
  readonly filename: string;
  readonly size: number;
  readonly content: Buffer;
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file';
}

/**
 * DRF's MultiPartParser: a `multipart/form-data` body becomes `req.body`, each field a string (the last one
 * when repeated, as QueryDict.get) or an UploadedFile. The body is read up to `limit` bytes (413 beyond) and
 * parsed by the platform's own parser (undici's FormData), so there is no parsing code of our own to trust.
 */
export function multipartBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        next(httpErrors.payloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (error) => {
      if (!refused) next(error);
    });
    req.on('end', () => {
      if (refused) return;
      const type = req.headers['content-type'] ?? '';
      new Response(Buffer.concat(chunks), { headers: { 'content-type': type } })
        .formData()
        .then(async (form) => {
          const body: Record<string, string | UploadedFile> = {};
          for (const [name, value] of form) {
            body[name] =
              typeof value === 'string'
                ? value
                : {
                    kind: 'file',
                    filename: value.name,
                    size: value.size,
                    content: Buffer.from(await value.arrayBuffer()),
                  };
          }
          req.body = body;
          next();
        })
        .catch(() =>
          next(httpErrors.badRequest('Multipart form parse error - Invalid boundary in multipart.')),
        );
    });
  };
}
