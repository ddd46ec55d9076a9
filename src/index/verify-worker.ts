/**
 * The worker thread that reads every byte of an index so the event loop does
 * not: a full CRC pass costs ~0.6 s per GB from the page cache, far more from
 * disk, and would stall every request behind it. Messages:
 *
 *   { kind: "open", dir }      → mapIndex(dir, full): the checks of a reload; answers { ok, files } or { ok: false, error }
 *   { kind: "files", files }   → the data CRC of each listed file, one { file, ok, problem? } message per file as it finishes, then { done: true }
 */
import { statSync } from "node:fs";
import { decodeHeader, HEADER_BYTES } from "./format.ts";
import { mapIndex, type MappedFile } from "./open.ts";
import { isWriteRefusal, mapReadOnly } from "./map-readonly.ts";

declare const self: Worker;

function map(path: string): Uint8Array {
  try {
    return Bun.mmap(path, { shared: false });
  } catch (e) {
    if (!isWriteRefusal(e)) throw e;
    return mapReadOnly(path, statSync(path).size);
  }
}

self.onmessage = (event: MessageEvent) => {
  const msg = event.data as { kind: "open"; dir: string } | { kind: "files"; files: MappedFile[] };
  if (msg.kind === "open") {
    try {
      const mapped = mapIndex(msg.dir, { verify: "full" });
      postMessage({ ok: true, files: mapped.files, entries: mapped.entries, seed: mapped.seed });
    } catch (e) {
      postMessage({ ok: false, error: (e as Error).message });
    }
    return;
  }
  for (const f of msg.files) {
    let problem: string | undefined;
    try {
      if (statSync(f.path).ino !== f.ino) problem = "was replaced since it was opened (a new file at that path)";
      else {
        const bytes = map(f.path);
        const h = decodeHeader(f.path, bytes);
        if (h.dataCrc !== f.dataCrc) problem = "its header changed since it was opened (the file was rewritten in place)";
        else if (Bun.hash.crc32(bytes.subarray(HEADER_BYTES)) !== f.dataCrc) problem = "corrupted data (checksum mismatch)";
      }
    } catch (e) {
      problem = (e as Error).message;
    }
    postMessage({ file: f.path, shard: f.shard, ok: problem === undefined, problem });
  }
  postMessage({ done: true });
};
