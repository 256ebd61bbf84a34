/**
 * Typed API errors with stable codes, mapped to HTTP statuses in one place (httpStatusOf). Every
 * error body has the same shape: { "error": { "code", "message", ...details } }.
 */

export type ApiErrorCode = 'BAD_PARAMETER' | 'NOT_FOUND' | 'WORKLOAD_NOT_FOUND' | 'NOT_READY' | 'WORKLOAD_INVALID' | 'INTERNAL';

export abstract class ApiError extends Error {
  abstract readonly code: ApiErrorCode;
  /** Extra fields of the JSON body (the parameter, the value, what was expected...). */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

/** A query or path parameter has a bad value: the body names it, the value and what was expected. */
export class BadParameterError extends ApiError {
  readonly code = 'BAD_PARAMETER';
  constructor(parameter: string, value: unknown, expected: string) {
    super(`parameter "${parameter}" is ${JSON.stringify(value)}: expected ${expected}`, { parameter, value, expected });
    this.name = 'BadParameterError';
  }
}

export class WorkloadNotFoundError extends ApiError {
  readonly code = 'WORKLOAD_NOT_FOUND';
  constructor(namespace: string, name: string, known: readonly string[]) {
    super(`no workload "${name}" in namespace "${namespace}"; configured: ${known.length > 0 ? known.join(', ') : 'none'}`, { namespace, name });
    this.name = 'WorkloadNotFoundError';
  }
}

export class RouteNotFoundError extends ApiError {
  readonly code = 'NOT_FOUND';
  constructor(method: string, path: string) {
    super(`no route ${method} ${path}; see /openapi.json`, { method, path });
    this.name = 'RouteNotFoundError';
  }
}

/** Expected while warming up ("no data yet" is an outcome, not a failure): retry later. */
export class NotReadyError extends ApiError {
  readonly code = 'NOT_READY';
  constructor(what: string) {
    super(`${what}: no decision yet (warming up or waiting for the first sample); retry shortly`);
    this.name = 'NotReadyError';
  }
}

/** The workload's settings were rejected when its engine was built. */
export class WorkloadInvalidError extends ApiError {
  readonly code = 'WORKLOAD_INVALID';
  constructor(what: string, reason: string) {
    super(`${what}: the workload's settings were rejected: ${reason}`, { reason });
    this.name = 'WorkloadInvalidError';
  }
}

const STATUS: Record<ApiErrorCode, number> = {
  BAD_PARAMETER: 400,
  NOT_FOUND: 404,
  WORKLOAD_NOT_FOUND: 404,
  NOT_READY: 503,
  WORKLOAD_INVALID: 503,
  INTERNAL: 500,
};

/** The one mapping from errors to HTTP statuses and bodies. Unknown errors are 500 INTERNAL. */
export function httpStatusOf(err: unknown): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof ApiError) return { status: STATUS[err.code], body: { error: { code: err.code, message: err.message, ...err.details } } };
  // express' body parser and similar set `status` on their errors (e.g. 400 for a malformed body).
  const s = (err as { status?: unknown }).status;
  if (typeof s === 'number' && s >= 400 && s < 500) return { status: s, body: { error: { code: 'BAD_REQUEST', message: (err as Error).message } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; see the service log' } } };
}

/** An External Metrics API metric prescale does not serve. */
export class UnknownMetricError extends ApiError {
  readonly code = 'NOT_FOUND';
  constructor(metric: string, served: readonly string[]) {
    super(`no external metric "${metric}"; served: ${served.join(', ')}`, { metric });
    this.name = 'UnknownMetricError';
  }
}
