import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogLevel } from '../../config/settings.js';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines instead of JSON; by default only when stderr is a terminal. */
  readonly pretty?: boolean;
}

function prettyStderr(): DestinationStream {
  // Loaded only at a terminal: deployments (not a TTY) never pay for it, and their log stays JSON.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' });
}

/** The application log: JSON lines on stderr, so stdout stays free for an access log sent to `-`. */
export function createLogger(level: LogLevel | 'silent', options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const destination = pretty ? prettyStderr() : pino.destination({ fd: 2, sync: false });
  return pino({ level, base: { app: 'vexil' } }, destination);
}
