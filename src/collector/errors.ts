/** Typed collector errors: what went wrong, for which query, on which server. */

export type PrometheusErrorKind =
  /** No answer within the timeout. */
  | 'timeout'
  /** Connection refused, reset, DNS... */
  | 'network'
  /** Non-2xx without a Prometheus error body (a proxy's 502 page, say). */
  | 'http'
  /** `status: "error"` from the server (errorType bad_data, execution, timeout...). */
  | 'status_error'
  /** A 2xx body that is not the Prometheus API's shape. */
  | 'invalid_response'
  /** The query returned several series where one was expected: aggregate it. */
  | 'multiple_series';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    readonly query: string,
    readonly server: string,
    readonly detail: string,
    /** Worth retrying (timeouts, 5xx, 429, server-side timeout/unavailable). */
    readonly retryable: boolean,
    /** Requests made, including retries. */
    readonly attempts = 1,
    readonly httpStatus?: number,
    /** Prometheus' errorType when kind is status_error. */
    readonly errorType?: string,
  ) {
    super(`Prometheus ${kind} from ${server} after ${attempts} attempt(s) for query ${JSON.stringify(truncate(query, 200))}: ${detail}`);
    this.name = 'PrometheusError';
  }

  withAttempts(attempts: number): PrometheusError {
    return new PrometheusError(this.kind, this.query, this.server, this.detail, this.retryable, attempts, this.httpStatus, this.errorType);
  }
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 3)}...`;
}
