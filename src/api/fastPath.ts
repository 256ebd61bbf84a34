/**
 * Edge: the read path autoscalers poll, on node:http without express: GET
 * /api/v1/workloads/{namespace}/{name}/recommendation and GET /api/v1/keda/{namespace}/{name} for a
 * warm workload. express costs ~130 us of CPU per request and ~15 ms of p99 at 1,000 req/s on a
 * 2-core machine, against ~3 ms for node:http (bench:service measures both as peers). The body is
 * what express's route sends, byte for byte (recommendationAt, same headers; the API tests compare
 * them). Anything else - another method, a query string, an unknown or cold workload, an error -
 * is declined and left to express, so errors keep one format.
 *
 * Used in the service's thread (createFastPath over the engines) and on the API thread
 * (src/api/front.ts, over the recommendations the engine thread publishes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recommendationAt, type RecommendationBase } from '../engine/workloadEngine';

/** Answers the request and returns true, or returns false without touching it. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

const FAST_ROUTE = /^\/api\/v1\/(?:workloads\/([^/?#]+)\/([^/?#]+)\/recommendation|keda\/([^/?#]+)\/([^/?#]+))$/;

/**
 * @param lookup the recommendation of (namespace, id or name), null/undefined when unknown or cold
 * @param clock unix seconds, the service's clock
 */
export function fastPath(lookup: (namespace: string, name: string) => RecommendationBase | null | undefined, clock: () => number): FastPath {
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const m = FAST_ROUTE.exec(req.url);
    if (!m) return false;
    let namespace: string;
    let name: string;
    try {
      namespace = decodeURIComponent(m[1] ?? m[3]!);
      name = decodeURIComponent(m[2] ?? m[4]!);
    } catch {
      return false;
    }
    const b = lookup(namespace, name);
    if (!b) return false;
    const r = recommendationAt(b, clock());
    const body = JSON.stringify(m[1] !== undefined ? r : { replicas: r.replicas });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };
}
