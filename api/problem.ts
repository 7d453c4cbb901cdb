// Errors as RFC 9457 problem+json with stable codes. Routes throw (or `next`) an HttpError or a
// DomainError; the one error middleware turns either into the response.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError } from '../domain/shared/domain-error';
import { isTransient } from '../platform/errors';
import type { Logger } from '../platform/logger';

export interface FieldError { path: string; message: string }

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly errors?: FieldError[]) {
    super(message);
    this.name = 'HttpError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Where each domain refusal lands in HTTP. */
const DOMAIN_STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  ORDER_NOT_CANCELLABLE: 409, ORDER_NOT_REVISABLE: 409, ORDER_NOT_DISPATCHABLE: 409, ILLEGAL_TRANSITION: 409,
  INSUFFICIENT_STOCK: 409, ORDER_MINIMUM_NOT_MET: 422, ORDER_TOTAL_TOO_LARGE: 422,
};

export const notFound = (code: string, what: string) => new HttpError(404, code, `${what} not found`);

export const unknownRoute: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let problem: HttpError;
    if (error instanceof HttpError) problem = error;
    else if (error instanceof DomainError) problem = new HttpError(DOMAIN_STATUS[error.code] ?? 409, error.code, error.message);
    else if (error?.type === 'entity.too.large') problem = new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body exceeds 1 MB');
    else if (error?.type === 'entity.parse.failed') {
      problem = new HttpError(400, 'VALIDATION_FAILED', 'malformed JSON body', [{ path: '', message: 'body is not valid JSON' }]);
    } else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      problem = new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      problem = new HttpError(error.status, 'BAD_REQUEST', 'the request could not be read');
    } else if (isTransient(error)) {
      // Postgres or Temporal unreachable, restarting or busy: retry later, so 503 rather than 500.
      logger.warn({ err: error, requestId: req.id, method: req.method, path: req.path }, 'dependency unavailable');
      res.setHeader('Retry-After', '5');
      problem = new HttpError(503, 'SERVICE_UNAVAILABLE', 'a dependency (database or workflow engine) is unavailable; retry shortly');
    } else {
      logger.error({ err: error, requestId: req.id, method: req.method, path: req.path }, 'unhandled error');
      problem = new HttpError(500, 'INTERNAL_ERROR', 'an unexpected error occurred');
    }
    if (res.headersSent) return void res.end();
    if (problem.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
    res.status(problem.status).type('application/problem+json').json({
      type: `https://saga-orders.dev/problems/${problem.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.message,
      code: problem.code,
      ...(problem.errors ? { errors: problem.errors } : {}),
    });
  };
}
