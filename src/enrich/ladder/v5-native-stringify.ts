/**
 * v5-native-stringify: v4-table-decode plus one change — `serialize` is one
 * JSON.stringify of `{results}` (the runtime's native serializer, one pass,
 * one output buffer) instead of serializeByConcatenation's `+=` of one
 * JSON.stringify per key and per value. The bytes are the same: results are
 * plain objects whose key order is their wire order, attrs keep their
 * request order (a Proxy from the ordered parser is read through its traps
 * by both), and no value has a toJSON. Evidence: FINDINGS.md §6.
 */
import { derive } from "../variant.ts";
import { v4TableDecode } from "./v4-table-decode.ts";

export const v5NativeStringify = derive(v4TableDecode, "v5-native-stringify", "the response is one native JSON.stringify of {results}, not a `+=` of one stringify per key and value", {
  serialize(results: unknown[]): string {
    return JSON.stringify({ results });
  },
});
