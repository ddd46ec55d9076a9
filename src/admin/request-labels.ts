/**
 * The pprof labels a request's CPU samples and block stalls carry, so
 * `go tool pprof -tagfocus=batch=fat` splits cost the way users ask:
 *
 *   route    /enrich, /healthz or other (the tracker's fixed set)
 *   variant  the pipeline variant serving it
 *   batch    thin / default / fat by event count (PROFILE_LABELS in config.ts); absent until the body is parsed
 *   <attr>   with --profile-label-attr NAME: the first event's attrs[NAME], at most
 *            PROFILE_LABELS.attrCardinality distinct values, later ones `other`
 *
 * Label sets are interned: each request points at a shared frozen object, so
 * labelling costs a Map hit per request and samples carry a pointer.
 */
import { PROFILE_LABELS } from "../config.ts";
import { eventCount } from "../enrich/unparsed-request.ts";

export type Labels = Readonly<Record<string, string>>;
export type BatchClass = "thin" | "default" | "fat";

/** The label keys the profiles already use: an attr may not take one of their names. */
export const RESERVED_LABEL_KEYS: readonly string[] = ["route", "variant", "batch", "elapsed", "lock"];
/** The value for attr values past the cardinality cap. */
export const OVERFLOW_VALUE = "other";
/** The value when the first event has no such attr. */
export const MISSING_VALUE = "(unset)";
/** The route label of samples taken while no request's segment was on the thread (segments.ts). */
export const NO_REQUEST_ROUTE = "(none)";

/** batchClass: thin ≤ thinMaxEvents < default ≤ defaultMaxEvents < fat. */
export function batchClass(events: number, bounds = PROFILE_LABELS): BatchClass {
  return events <= bounds.thinMaxEvents ? "thin" : events <= bounds.defaultMaxEvents ? "default" : "fat";
}

/** checkLabelAttr returns why NAME cannot be a label attr, or null when it can. */
export function checkLabelAttr(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) return `'${name}' is not a label name (letters, digits, _ . -; not starting with a digit)`;
  if (RESERVED_LABEL_KEYS.includes(name)) return `'${name}' is already a label (${RESERVED_LABEL_KEYS.join(", ")})`;
  return null;
}

export interface LabelerOptions {
  variant: string;
  /** --profile-label-attr: the attr whose value becomes a label. */
  attr?: string;
  attrCardinality?: number;
}

export class RequestLabeler {
  private readonly sets = new Map<string, Map<BatchClass | undefined, Map<string | undefined, Labels>>>();
  private readonly attrValues = new Set<string>();
  private readonly cap: number;

  constructor(private readonly o: LabelerOptions) {
    this.cap = o.attrCardinality ?? PROFILE_LABELS.attrCardinality;
  }

  get attr(): string | undefined {
    return this.o.attr;
  }

  /** The labels of a request before its body is read: route and variant. */
  arrived(route: string): Labels {
    return this.intern(route, undefined, undefined);
  }

  /** The labels of a request whose body parsed: with its batch class and the attr's value. */
  parsed(route: string, body: { events?: readonly { attrs?: Readonly<Record<string, string>> }[] }): Labels {
    // Only an attr label reads an event: an unparsed request (v23) is parsed for it, and only then.
    const attr = this.o.attr === undefined ? undefined : this.attrValue(body.events?.[0]?.attrs?.[this.o.attr]);
    return this.intern(route, batchClass(eventCount(body)), attr);
  }

  /** The distinct attr values kept so far (the rest are `other`). */
  attrValuesSeen(): number {
    return this.attrValues.size;
  }

  private attrValue(v: string | undefined): string {
    if (v === undefined) return MISSING_VALUE;
    if (this.attrValues.has(v)) return v;
    if (this.attrValues.size >= this.cap) return OVERFLOW_VALUE;
    this.attrValues.add(v);
    return v;
  }

  private intern(route: string, batch: BatchClass | undefined, attr: string | undefined): Labels {
    // Nested by part rather than keyed by a joined string: a request builds no key (§50).
    let byBatch = this.sets.get(route);
    if (!byBatch) this.sets.set(route, (byBatch = new Map()));
    let byAttr = byBatch.get(batch);
    if (!byAttr) byBatch.set(batch, (byAttr = new Map()));
    let set = byAttr.get(attr);
    if (!set) {
      const l: Record<string, string> = { route, variant: this.o.variant };
      if (batch !== undefined) l.batch = batch;
      if (attr !== undefined) l[this.o.attr!] = attr;
      byAttr.set(attr, (set = Object.freeze(l)));
    }
    return set;
  }
}
