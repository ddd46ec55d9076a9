/**
 * Request tracking for the admin side: every hot-path request is seen from the
 * moment Bun hands it to JS (Elysia `wrap`, so 415/413/400 rejected before the
 * handler count too) to the moment its Response is ready. The /enrich handler's
 * RequestObserver calls mark the stages in between. Listeners (metrics, trace)
 * get each finished request; the in-flight table is read live. The same calls
 * mark the request's synchronous segments on the JS thread (segments.ts), so
 * CPU samples and block stalls carry the request's pprof labels.
 */
import type { RequestObserver } from "../http/app.ts";
import { parseRequestStart } from "../http/request-start.ts";
import { type Labels, RequestLabeler } from "./request-labels.ts";
import { segments } from "./segments.ts";

export interface RequestRecord {
  id: number;
  method: string;
  route: string;
  /** performance.now() ms when JS first saw the request. */
  arrived: number;
  /** When the client says it sent it (X-Request-Start), if it did: arrived - sent is queue wait. */
  sent?: number;
  bytes: number;
  stage: string;
  stageAt: number;
  /** When the handler started and when it had its answer (the two stage transitions after arrival; fields, not a list: this is per request). */
  handlerAt?: number;
  respondAt?: number;
  status?: number;
  ended?: number;
  /** Its pprof labels (request-labels.ts): route and variant, then batch and attr once the body is parsed. */
  labels: Labels;
}

/**
 * A request's record rides on the Request itself, under a symbol only this
 * module knows: one property store per request instead of a WeakMap entry
 * (which costs a hash insert and the GC's weak-table work; FINDINGS.md §51).
 */
const RECORD = Symbol("enrich.requestRecord");
type Tracked = Request & { [RECORD]?: RequestRecord };

/** Routes are labels: a fixed set, so /metrics cardinality cannot grow with hostile paths. */
const ROUTES = new Set(["/enrich", "/healthz"]);

export class RequestTracker implements RequestObserver {
  readonly inflight = new Map<number, RequestRecord>();
  private readonly listeners = new Set<(r: RequestRecord) => void>();
  private nextId = 1;

  constructor(readonly labeler = new RequestLabeler({ variant: "unknown" })) {}

  /** onFinish registers a listener for finished requests; returns its remover. */
  onFinish(fn: (r: RequestRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  arrive(request: Request): RequestRecord {
    const now = performance.now();
    const path = pathOf(request.url);
    const route = ROUTES.has(path) ? path : "other";
    const r: RequestRecord = {
      id: this.nextId++,
      method: request.method,
      route,
      arrived: now,
      sent: parseRequestStart(request.headers.get("x-request-start"), now),
      bytes: Number(request.headers.get("content-length") ?? 0) || 0,
      stage: "read-body",
      stageAt: now,
      labels: this.labeler.arrived(route),
    };
    this.inflight.set(r.id, r);
    (request as Tracked)[RECORD] = r;
    segments.enter(r, now);
    return r;
  }

  finish(r: RequestRecord, status: number): void {
    if (r.ended !== undefined) return;
    segments.enter(r);
    r.ended = performance.now();
    r.status = status;
    this.inflight.delete(r.id);
    for (const fn of this.listeners) fn(r);
    segments.leave(r);
  }

  private mark(r: RequestRecord, name: "handler" | "respond"): void {
    const now = performance.now();
    r.stage = name;
    r.stageAt = now;
    if (name === "handler") r.handlerAt = now;
    else r.respondAt = now;
  }

  // RequestObserver: the /enrich handler's view, after body parsing and validation.
  start(request: Request, body?: { events?: readonly { attrs?: Readonly<Record<string, string>> }[] }): unknown {
    const r = (request as Tracked)[RECORD] ?? this.arrive(request);
    if (body) r.labels = this.labeler.parsed(r.route, body);
    segments.enter(r);
    this.mark(r, "handler");
    return r;
  }

  /** The JS thread resumed this request's work after an await (its body arrived, its variant answered). */
  resume(request: Request): void {
    if (!segments.isRecording) return;
    const r = (request as Tracked)[RECORD];
    if (r) segments.enter(r);
  }

  end(token: unknown): void {
    // The wrapper records the final status once the Response exists; here the handler's work is over.
    if (!token) return;
    segments.enter(token as RequestRecord);
    this.mark(token as RequestRecord, "respond");
  }
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

type Fetch = (request: Request) => Response | Promise<Response>;

/**
 * instrumentHotPath wraps the hot-path app's fetch so every request, including
 * those rejected before the handler, is tracked. Call before .listen().
 */
export function instrumentHotPath<T extends { wrap(fn: never): T }>(app: T, tracker: RequestTracker): T {
  const hoc = (fetch: Fetch) => (request: Request) => {
    const r = tracker.arrive(request);
    let out: Response | Promise<Response>;
    try {
      out = fetch(request);
    } catch (e) {
      tracker.finish(r, 500);
      throw e;
    }
    if (out instanceof Response) {
      tracker.finish(r, out.status);
      return out;
    }
    // The synchronous part is over: the thread goes back to Bun until the request's next mark.
    segments.leave(r);
    return out.then(
      (res) => (tracker.finish(r, res.status), res),
      (e) => (tracker.finish(r, 500), Promise.reject(e)),
    );
  };
  return app.wrap(hoc as never);
}
