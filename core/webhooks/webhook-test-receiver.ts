import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A webhook receiver on 127.0.0.1 for tests. `/ok` answers 200; `/fail-N` answers 500 to its first N
 * requests and 200 afterwards; `/hang` never answers. `next(path)` resolves with the next request to a path.
 */
export class TestReceiver {
  readonly received: Received[] = [];
  readonly #waiters: { path: string; resolve: (received: Received) => void }[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #counts = new Map<string, number>();
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const received = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.received.push(received);
      const seen = (this.#counts.get(path) ?? 0) + 1;
      this.#counts.set(path, seen);
      const waiter = this.#waiters.findIndex((candidate) => candidate.path === path);
      if (waiter >= 0) this.#waiters.splice(waiter, 1)[0]?.resolve(received);
      else this.#queued.push(received);
      if (path.startsWith('/hang')) return;
      const failures = /^\/fail-(\d+)/.exec(path);
      res.statusCode = failures && seen <= Number(failures[1]) ? 500 : 200;
      res.end('{}');
    });
  });
  readonly #queued: Received[] = [];

  async listen(): Promise<void> {
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  /** The next request to `path` not yet taken by an earlier `next`. */
  next(path: string): Promise<Received> {
    const queued = this.#queued.findIndex((candidate) => candidate.path === path);
    if (queued >= 0) return Promise.resolve(this.#queued.splice(queued, 1)[0] as Received);
    return new Promise((resolve) => this.#waiters.push({ path, resolve }));
  }

  count(path: string): number {
    return this.#counts.get(path) ?? 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
