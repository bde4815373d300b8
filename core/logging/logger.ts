import { type Logger, pino } from 'pino';
import type { LogLevel } from '../../config/settings.js';

export type { Logger };

/** The application log: JSON lines on stderr, so stdout stays free for an access log sent to `-`. */
export function createLogger(level: LogLevel | 'silent'): Logger {
  return pino({ level, base: { app: 'vexil' } }, pino.destination({ fd: 2, sync: false }));
}
