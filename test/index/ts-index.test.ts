import { expect, test } from "bun:test";
import { ShardState, openTsIndex } from "../../src/index/ts-index.ts";
import { smallIndex } from "../support/fixtures.ts";
import { runIndexContract } from "./index-contract.ts";

runIndexContract("pure TypeScript", (dir) => openTsIndex(dir));

test("payloadShards is null until every shard is verified, and again once one is corrupt (payload() still has checks to make)", () => {
  const index = openTsIndex(smallIndex().dir, { verify: "headers" });
  const shards = index.mapped.payloads.length;
  expect(shards).toBeGreaterThan(1);
  expect(index.payloadShards()).toBeNull();
  for (let s = 0; s < shards - 1; s++) index.markShard(s, ShardState.Verified);
  expect(index.payloadShards()).toBeNull();
  index.markShard(shards - 1, ShardState.Verified);
  expect(index.payloadShards()?.shards.length).toBe(shards);
  index.markShard(0, ShardState.Corrupt);
  expect(index.payloadShards()).toBeNull();
});
