/**
 * Stamps a capture with where and when it was taken: every sample gets the
 * labels (so `go tool pprof -tags` lists them and `-tagfocus=commit=…` splits
 * a merged history), and the profile gets them as comments too (`-comments`,
 * and readers that drop labels). A label the sample already has (e.g. the
 * sampler's own `variant`) is kept as it is.
 */
import { gzipSync } from "node:zlib";
import { Label } from "pprof-format";
import { decodePprof } from "../pprof.ts";

export interface CaptureLabels {
  /** ISO-8601 UTC start of the window. */
  time: string;
  commit: string;
  variant: string;
  host: string;
  worker: string;
}

/** labelProfile returns the gzipped profile with `labels` on every sample and `comments` appended, and its sample count. */
export function labelProfile(bytes: Uint8Array, labels: CaptureLabels, comments: string[]): { bytes: Uint8Array; samples: number } {
  const p = decodePprof(bytes);
  const st = p.stringTable;
  const pairs = Object.entries(labels).map(([k, v]) => [st.dedup(k), st.dedup(v)] as const);
  for (const s of p.sample) {
    const have = new Set(s.label.map((l) => Number(l.key)));
    for (const [key, str] of pairs) if (!have.has(key)) s.label.push(new Label({ key, str }));
  }
  p.comment = [...p.comment, ...comments.map((c) => st.dedup(c))];
  return { bytes: gzipSync(p.encode()), samples: p.sample.length };
}

/** captureComments: the conditions of a window, one line each, for the pprof's comments. */
export function captureComments(l: CaptureLabels, windowMs: number, everyMs: number): string[] {
  return [`continuous profile: ${windowMs / 1000} s window every ${everyMs / 1000} s, started ${l.time}`, `commit ${l.commit}; variant ${l.variant}; host ${l.host}; worker ${l.worker}`];
}
