import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { bodyParserErrorToHttp } from './error-mapper.js';
import type { RawMiddleware } from './http-edge.js';
import { type HttpError, httpErrors } from './http-error.js';

/** Where the JSON body parser leaves the request's raw body (its `verify` hook), for `readJsonText()`. */
const rawJsonBody = Symbol('rawJsonBody');

/** body-parser's `verify` option: keeps the raw bytes, so a route can read numbers as JSON wrote them (`2.0`). */
export function keepRawJsonBody(req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  (req as IncomingMessage & { [rawJsonBody]?: Buffer })[rawJsonBody] = body;
}

/** The methods a lean route may answer; HEAD is answered by GET's handler, OPTIONS by the dispatcher. */
export type LeanMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A handler on the lean lane: raw node request and response, no Express, no body parsing, no passport. It answers
 * through `exchange.sendCached()` or `exchange.sendJson()`, or throws an HttpError (rendered in DRF's shape).
 */
export type LeanHandler = (exchange: LeanExchange) => void | Promise<void>;

/**
 * One exact path served beside Express. `path` is compared with the request's pathname (before `?`) as it
 * arrives, trailing slash included, as Flagsmith's URLs have it: `/api/v1/flags/`.
 */
export interface LeanRoute {
  readonly path: string;
  readonly handlers: Partial<Record<LeanMethod, LeanHandler>>;
  /**
   * Sent instead of the API's never-cache pair: the SDK paths answer with an ETag and `no-cache`, so that
   * clients revalidate instead of refetching.
   */
  readonly cacheHeaders?: Readonly<Record<string, string>>;
}

export type ContentCoding = 'br' | 'gzip';

// compression's own choices, so that both lanes compress alike: its threshold, and brotli at quality 4.
const compressionThresholdBytes = 1024;
const brotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

/**
 * A JSON body serialised once and sent many times (the SDK lane's per-revision documents). Its compressed forms
 * are made on first use and kept, so a cached body costs no serialisation or compression per request.
 */
export class CachedJson {
  readonly body: Buffer;
  /** Headers of this body alone (an ETag, a Last-Modified), as a flat [name, value, …] list. */
  readonly headers: readonly string[];
  private readonly encodedBodies = new Map<ContentCoding, Buffer>();
  private readonly headerLists = new Map<LeanEdge, Partial<Record<ContentCoding | 'identity', string[]>>>();

  private constructor(body: Buffer, headers: readonly string[]) {
    this.body = body;
    this.headers = headers;
  }

  static of(value: unknown, headers: readonly string[] = []): CachedJson {
    return new CachedJson(Buffer.from(JSON.stringify(value)), headers);
  }

  /** For a body that is already JSON text (e.g. read from a cache shared between processes). */
  static fromSerialised(json: string | Buffer, headers: readonly string[] = []): CachedJson {
    return new CachedJson(typeof json === 'string' ? Buffer.from(json) : json, headers);
  }

  encoded(coding: ContentCoding): Buffer {
    let encoded = this.encodedBodies.get(coding);
    if (!encoded) {
      encoded = coding === 'gzip' ? gzipSync(this.body) : brotliCompressSync(this.body, brotliOptions);
      this.encodedBodies.set(coding, encoded);
    }
    return encoded;
  }

  /** The whole header list for one edge and coding, built once: the hot path only looks it up. */
  headerList(edge: LeanEdge, coding: ContentCoding | undefined): readonly string[] {
    let lists = this.headerLists.get(edge);
    if (!lists) {
      lists = {};
      this.headerLists.set(edge, lists);
    }
    const key = coding ?? 'identity';
    let list = lists[key];
    if (!list) {
      list = [
        ...edge.headers,
        ...this.headers,
        ...jsonHeaders(coding ? this.encoded(coding).length : this.body.length),
      ];
      if (edge.compression) list.push('Vary', 'Accept-Encoding');
      if (coding) list.push('Content-Encoding', coding);
      lists[key] = list;
    }
    return list;
  }
}

function jsonHeaders(length: number): string[] {
  // Express's res.json() spelling, so that clients see one Content-Type from either lane.
  return ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(length)];
}

/**
 * The coding compression() would pick for this Accept-Encoding: brotli or gzip by q-value, brotli first on a tie,
 * none when the client sends no header or refuses both.
 */
export function negotiateCoding(acceptEncoding: string | undefined): ContentCoding | undefined {
  if (!acceptEncoding) return undefined;
  let best: ContentCoding | undefined;
  let bestQuality = 0;
  let wildcard: number | undefined;
  const quality: Partial<Record<ContentCoding, number>> = {};
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    if (!Number.isFinite(value)) continue;
    const coding = name.trim();
    if (coding === 'br' || coding === 'gzip') quality[coding] = value;
    else if (coding === '*') wildcard = value;
  }
  for (const coding of ['br', 'gzip'] as const) {
    const q = quality[coding] ?? wildcard ?? 0;
    if (q > bestQuality) {
      best = coding;
      bestQuality = q;
    }
  }
  return best;
}

/** How a lean response is written; the dispatcher provides it, so handlers never see the edge's settings. */
export interface LeanEdge {
  /** Security headers, and never-cache ones under /api/v1/, as a flat [name, value, …] list. */
  readonly headers: readonly string[];
  readonly compression: boolean;
  /**
   * With an access log, headers go through setHeader() so that the logged response lists them as the Express
   * lane's lines do; without one they go straight to writeHead(), which skips node's header bookkeeping.
   */
  readonly recordHeaders: boolean;
  readonly jsonBody: RawMiddleware;
}

/** `application/json` or `application/<anything>+json`, parameters aside: what jsonBodyTypes match. */
function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[^/\s]+\+json$/.test(type);
}

/** One request on the lean lane. */
export class LeanExchange {
  private parsedQuery: URLSearchParams | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** The request path before `?`, as sent (not percent-decoded). */
    readonly pathname: string,
    private readonly rawQuery: string,
    private readonly edge: LeanEdge,
  ) {}

  /** The query string, parsed on first use. */
  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.rawQuery);
    return this.parsedQuery;
  }

  /**
   * The request's JSON body, read and parsed by the Express lane's own parser (MAX_REQUEST_BODY_BYTES, strict
   * JSON); undefined when there is none. Rejects with DRF's 415, 413 or 400 for a body it cannot take: throw it on.
   */
  readJson(): Promise<unknown> {
    const { req, res } = this;
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return Promise.resolve(undefined);
    const contentType = req.headers['content-type'];
    if (!isJsonMediaType(contentType))
      return Promise.reject(httpErrors.unsupportedMediaType(contentType ?? ''));
    return new Promise((resolve, reject) => {
      this.edge.jsonBody(req, res, (error) => {
        if (error) reject(bodyParserErrorToHttp(error as Error, contentType) ?? error);
        else resolve((req as IncomingMessage & { body?: unknown }).body);
      });
    });
  }

  /**
   * The request's JSON body as text, after the same checks and parse as `readJson()` (so its errors are the same),
   * for routes that must read it with another parser: JSON.parse turns `2.0` into `2`. Undefined when there is none.
   */
  async readJsonText(): Promise<string | undefined> {
    const parsed = await this.readJson();
    if (parsed === undefined) return undefined;
    const raw = (this.req as IncomingMessage & { [rawJsonBody]?: Buffer })[rawJsonBody];
    return raw === undefined ? JSON.stringify(parsed) : raw.toString('utf8');
  }

  /** Sends a cached body with its precomputed headers, compressed when the client and settings allow. */
  sendCached(cached: CachedJson, status = 200): void {
    const coding = this.codingFor(cached.body.length);
    const headers = cached.headerList(this.edge, coding);
    this.writeHead(status, headers);
    this.res.end(coding ? cached.encoded(coding) : cached.body);
  }

  /** Serialises and sends a body once (errors, uncached answers). */
  sendJson(status: number, value: unknown, extraHeaders: Readonly<Record<string, string>> = {}): void {
    const body = Buffer.from(JSON.stringify(value));
    const coding = this.codingFor(body.length);
    const payload =
      coding === 'gzip' ? gzipSync(body) : coding === 'br' ? brotliCompressSync(body, brotliOptions) : body;
    const headers = [...this.edge.headers];
    for (const [name, value] of Object.entries(extraHeaders)) headers.push(name, value);
    headers.push(...jsonHeaders(payload.length));
    if (this.edge.compression) headers.push('Vary', 'Accept-Encoding');
    if (coding) headers.push('Content-Encoding', coding);
    this.writeHead(status, headers);
    this.res.end(payload);
  }

  /** An answer with no body (OPTIONS), still carrying the edge's headers. */
  sendEmpty(status: number, extraHeaders: Readonly<Record<string, string>> = {}): void {
    // Headers set one by one and no writeHead(): node then adds `Content-Length: 0` itself, as it does for
    // Express's bare res.end(), instead of announcing a chunked body.
    const headers = this.edge.headers;
    for (let i = 0; i < headers.length; i += 2)
      this.res.setHeader(headers[i] as string, headers[i + 1] as string);
    for (const [name, value] of Object.entries(extraHeaders)) this.res.setHeader(name, value);
    this.res.statusCode = status;
    this.res.end();
  }

  /** A 304 Not Modified: the edge's headers and the given ones ([name, value, …]), no body. */
  sendNotModified(headers: readonly string[]): void {
    this.writeHead(304, [...this.edge.headers, ...headers]);
    this.res.end();
  }

  sendError(error: HttpError): void {
    this.sendJson(error.status, error.body, error.headers);
  }

  private codingFor(length: number): ContentCoding | undefined {
    if (!this.edge.compression || length < compressionThresholdBytes || this.req.method === 'HEAD')
      return undefined;
    return negotiateCoding(this.req.headers['accept-encoding']);
  }

  private writeHead(status: number, headers: readonly string[]): void {
    if (!this.edge.recordHeaders) {
      this.res.writeHead(status, headers as string[]);
      return;
    }
    // appendHeader: a name listed twice (Vary: Origin, then Vary: Accept-Encoding) keeps both, as writeHead does.
    for (let i = 0; i < headers.length; i += 2)
      this.res.appendHeader(headers[i] as string, headers[i + 1] as string);
    this.res.writeHead(status);
  }
}
