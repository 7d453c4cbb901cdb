// Structured JSON logs. Secrets are redacted by path so a logged request or config never leaks them.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination`: where lines go (default stdout). */
export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    name: options.name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['password', '*.password', 'req.headers.authorization', 'headers.authorization', 'accessToken', '*.accessToken', 'JWT_SECRET', 'ADMIN_PASSWORD', 'paymentMethod.token', '*.paymentMethod.token', 'token'],
      censor: '[redacted]',
    },
  }, destination);
}
