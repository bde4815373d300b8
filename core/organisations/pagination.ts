import type { Request } from 'express';
import { domainErrors } from '../errors/domain-error.js';

/** Flagsmith's production settings (and its CustomPagination) page by 999 at most. */
export const maxPageSize = 999;

export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
  readonly offset: number;
}

export interface Page<T> {
  readonly count: number;
  readonly next: string | null;
  readonly previous: string | null;
  readonly results: T[];
}

function positiveInteger(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  const number = Number(value);
  return number >= 1 ? number : undefined;
}

/**
 * DRF's PageNumberPagination reading `?page=&page_size=`: a page size that is not a positive whole number
 * falls back to the default and a huge one is clamped (never a huge query); a page that is not a positive
 * whole number is DRF's 404 "Invalid page.".
 */
export function pageRequest(req: Request, defaultPageSize = maxPageSize): PageRequest {
  const pageSize = Math.min(positiveInteger(req.query.page_size) ?? defaultPageSize, maxPageSize);
  const rawPage = req.query.page;
  const page = rawPage === undefined ? 1 : positiveInteger(rawPage);
  if (page === undefined) throw domainErrors.notFound('Invalid page.');
  return { page, pageSize, offset: (page - 1) * pageSize };
}

function pageLink(req: Request, page: number): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  if (page === 1) url.searchParams.delete('page');
  else url.searchParams.set('page', String(page));
  return url.toString();
}

/** `{count, next, previous, results}` with DRF's absolute links; a page past the last one is DRF's 404. */
export function pageBody<T>(req: Request, request: PageRequest, count: number, results: T[]): Page<T> {
  const pages = Math.max(1, Math.ceil(count / request.pageSize));
  if (request.page > pages) throw domainErrors.notFound('Invalid page.');
  return {
    count,
    next: request.page < pages ? pageLink(req, request.page + 1) : null,
    previous: request.page > 1 ? pageLink(req, request.page - 1) : null,
    results,
  };
}
