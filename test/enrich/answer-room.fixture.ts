/**
 * Run by answer-room.test.ts in a fresh process: one variant answers a batch
 * of misses as its very first request, so no buffer grown by an earlier answer
 * can hide a short size estimate. Prints the status and whether the bytes are v0's.
 */
import { getVariant } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";

const [dir, name, n] = process.argv.slice(2) as [string, string, string];
const index = openTsIndex(dir);
const body = JSON.stringify({ events: Array.from({ length: Number(n) }, () => ({ key: "1", attrs: {} })) });
const post = (v: string) => createApp({ index, variant: getVariant(v) }).handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));
const res = await post(name);
const text = await res.text();
const want = await (await post("v0")).text();
process.stdout.write(JSON.stringify({ status: res.status, sameAsV0: text === want }));
