/**
 * Which index and corpus a capture uses, decided before anything is built: a
 * purpose-made server with its own corpus must not make `bun test` build the
 * 92 MB data/default.
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { captureInputs, chooseInputs } from "../../scripts/profile/capture-inputs.ts";

const CORPUS = join(import.meta.dir, "servers/one-event.ndjson");

/** A default-index builder that records whether it was asked. */
function defaultIndex() {
  const calls: number[] = [];
  return { calls, build: () => (calls.push(1), "/tmp/some-default-index") };
}

describe("chooseInputs", () => {
  test("a server command with its own corpus needs no index: the default is not built", () => {
    const d = defaultIndex();
    expect(chooseInputs({ mix: "default", serverCmd: ["bun", "x.ts"], corpus: CORPUS }, d.build)).toEqual({ indexDir: null, corpus: resolve(CORPUS) });
    expect(d.calls).toEqual([]);
  });

  test("the service started without --index opens the default index and reads its corpus", () => {
    const d = defaultIndex();
    expect(chooseInputs({ mix: "fat" }, d.build)).toEqual({ indexDir: "/tmp/some-default-index", corpus: "/tmp/some-default-index/fat.ndjson" });
    expect(d.calls).toEqual([1]);
  });

  test("a server command without a corpus still takes the default index's corpus", () => {
    const d = defaultIndex();
    expect(chooseInputs({ mix: "thin", serverCmd: ["bun", "x.ts"] }, d.build).corpus).toBe("/tmp/some-default-index/thin.ndjson");
    expect(d.calls).toEqual([1]);
  });

  test("--index wins and builds nothing; a running service without one has no index", () => {
    const d = defaultIndex();
    expect(chooseInputs({ mix: "default", index: "/data/x" }, d.build)).toEqual({ indexDir: "/data/x", corpus: "/data/x/default.ndjson" });
    expect(chooseInputs({ mix: "default", url: "http://127.0.0.1:1", corpus: CORPUS }, d.build)).toEqual({ indexDir: null, corpus: resolve(CORPUS) });
    expect(d.calls).toEqual([]);
  });

  test("no corpus at all is an error that says what to pass", () => {
    expect(() => captureInputs({ mix: "default", url: "http://127.0.0.1:1" }, () => "/nowhere")).toThrow("pass --index DIR or --corpus FILE with --url");
    expect(() => captureInputs({ mix: "default", corpus: "/nowhere/x.ndjson", serverCmd: ["x"] }, () => "/nowhere")).toThrow("no corpus for mix 'default': /nowhere/x.ndjson");
  });
});
