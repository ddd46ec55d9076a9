/** The 48-byte payload (src/domain/payload.ts): written by the generator, decoded by the reference decoder. */
import { KeySpace, keyHi, keyLo } from "../../src/domain/keys.ts";
import { PAYLOAD_BYTES, decodePayload, isoSeconds, writePayload } from "../../src/domain/payload.ts";
import * as ref from "../../oracle/formulas.ts";
import { expectEqual, type BenchSpec } from "../harness/spec.ts";

const N = 1024;

// N payloads of seed-1 keys of ranks 0..N-1, and their keys as (hi, lo).
function payloads() {
  const ks = new KeySpace(1);
  const his = new Uint32Array(N), los = new Uint32Array(N);
  const bytes = new Uint8Array(N * PAYLOAD_BYTES);
  const view = new DataView(bytes.buffer);
  for (let r = 0; r < N; r++) {
    ks.keyOf(r);
    his[r] = keyHi;
    los[r] = keyLo;
    writePayload(keyHi, keyLo, bytes, view, r * PAYLOAD_BYTES);
  }
  return { his, los, bytes, view };
}

const refFields = (r: number) => ref.fields(ref.key(1n, BigInt(r)));

export function benches(): BenchSpec[] {
  return [
    {
      name: "Payload/write",
      batch: 256,
      prepare() {
        const { his, los } = payloads();
        const out = new Uint8Array(N * PAYLOAD_BYTES);
        const view = new DataView(out.buffer);
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            out.fill(0, i * PAYLOAD_BYTES, (i + 1) * PAYLOAD_BYTES);
            writePayload(his[i]!, los[i]!, out, view, i * PAYLOAD_BYTES);
            return out[i * PAYLOAD_BYTES];
          },
          check() {
            for (let r = 0; r < N; r += 31) {
              const d = decodePayload(out, r * PAYLOAD_BYTES);
              if (out.subarray(r * PAYLOAD_BYTES, (r + 1) * PAYLOAD_BYTES).some((b) => b !== 0)) expectEqual(`payload of rank ${r}`, d, refFields(r));
            }
          },
        };
      },
    },
    {
      name: "Payload/decode",
      batch: 64,
      prepare() {
        const { bytes } = payloads();
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            return decodePayload(bytes, i * PAYLOAD_BYTES);
          },
          check() {
            for (let r = 0; r < N; r += 31) expectEqual(`decode of rank ${r}`, decodePayload(bytes, r * PAYLOAD_BYTES), refFields(r));
          },
        };
      },
    },
    {
      name: "Payload/isoSeconds",
      batch: 256,
      prepare() {
        const secs = Array.from({ length: N }, (_, r) => refFields(r).since);
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            return isoSeconds(secs[i]!);
          },
          check() {
            expectEqual("isoSeconds(1625078598)", isoSeconds(1625078598), "2021-06-30T18:43:18Z");
            for (let r = 0; r < N; r += 31) expectEqual(`isoSeconds(${secs[r]})`, isoSeconds(secs[r]!), new Date(secs[r]! * 1000).toISOString().slice(0, 19) + "Z");
          },
        };
      },
    },
  ];
}
