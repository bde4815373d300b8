// The ceiling of `npm run bench:sdk`: a bare node:http server, in its own process, replaying the exact bytes of
// Vexil's /api/v1/flags/ answer (read from the file named on the command line) with only Content-Type and
// Content-Length. Nothing can answer that body faster on this machine.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = readFileSync(process.argv[2] as string);
const headers = ['Content-Type', 'application/json', 'Content-Length', String(body.length)];
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
