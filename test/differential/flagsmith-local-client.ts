import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Flagsmith } from 'flagsmith-nodejs';
import type { EnvironmentDocument } from '../../core/evaluation/environment-document.js';

export interface FlagsmithLocalClient {
  readonly flagsmith: Flagsmith;
  close(): Promise<void>;
}

/**
 * flagsmith-nodejs 8 in local-evaluation mode, fed `document` by an HTTP server on 127.0.0.1 that serves only
 * `/api/v1/environment-document/`. The document is fetched once before this resolves.
 */
export async function startFlagsmithLocalClient(
  document: EnvironmentDocument,
): Promise<FlagsmithLocalClient> {
  const body = JSON.stringify(document);
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/api/v1/environment-document/') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const flagsmith = new Flagsmith({
    environmentKey: 'ser.xxx',
    apiUrl: `http://127.0.0.1:${port}/api/v1/`,
    enableLocalEvaluation: true,
    environmentRefreshIntervalSeconds: 3600,
    requestTimeoutSeconds: 10,
  });
  const close = async (): Promise<void> => {
    await flagsmith.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await flagsmith.getEnvironment();
  } catch (error) {
    await close();
    throw error;
  }
  return { flagsmith, close };
}
