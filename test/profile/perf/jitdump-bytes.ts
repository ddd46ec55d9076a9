/**
 * Writes jitdump bytes by hand (the Linux perf jitdump layout, little-endian)
 * so the reader is tested against the spec, not against itself.
 */

export type JitRecord =
  | { type: "load"; t: number; addr: number; size: number; name: string; index: number; pid?: number; tid?: number }
  | { type: "move"; t: number; oldAddr: number; newAddr: number; size: number; index: number }
  | { type: "debug"; t: number; addr: number; entries: { addr: number; line: number; file: string }[] }
  | { type: "unwind"; t: number; bytes: number }
  | { type: "close"; t: number }
  | { type: "unknown"; t: number; id: number; bytes: number };

/** A whole dump: the header (40 bytes unless headerSize says more), then the records back to back, unpadded as JSC writes them. */
export function jitdumpBytes(o: { pid: number; t?: number; flags?: bigint; magic?: number; headerSize?: number; records: JitRecord[] }): Uint8Array {
  const parts: Uint8Array[] = [];
  const headerSize = o.headerSize ?? 40;
  const h = new DataView(new ArrayBuffer(headerSize));
  h.setUint32(0, o.magic ?? 0x4a695444, true);
  h.setUint32(4, 1, true);
  h.setUint32(8, headerSize, true);
  h.setUint32(12, 62, true); // EM_X86_64
  h.setUint32(20, o.pid, true);
  h.setBigUint64(24, BigInt(o.t ?? 1), true);
  h.setBigUint64(32, o.flags ?? 0n, true);
  parts.push(new Uint8Array(h.buffer));
  const enc = new TextEncoder();
  for (const r of o.records) {
    let body: number[] = [];
    const u32 = (v: number) => body.push(...le(BigInt(v), 4));
    const u64 = (v: number) => body.push(...le(BigInt(v), 8));
    const str = (s: string) => body.push(...enc.encode(s), 0);
    let id: number;
    switch (r.type) {
      case "load":
        id = 0;
        u32(r.pid ?? o.pid), u32(r.tid ?? o.pid), u64(r.addr), u64(r.addr), u64(r.size), u64(r.index), str(r.name);
        body.push(...new Array(r.size).fill(0xcc)); // the code bytes
        break;
      case "move":
        id = 1;
        u32(o.pid), u32(o.pid), u64(r.newAddr), u64(r.oldAddr), u64(r.newAddr), u64(r.size), u64(r.index);
        break;
      case "debug":
        id = 2;
        u64(r.addr), u64(r.entries.length);
        for (const e of r.entries) u64(e.addr), u32(e.line), u32(0), str(e.file);
        break;
      case "unwind":
        id = 4;
        body.push(...new Array(r.bytes).fill(0xab));
        break;
      case "close":
        id = 3;
        break;
      case "unknown":
        id = r.id;
        body.push(...new Array(r.bytes).fill(0x11));
        break;
    }
    const head = [...le(BigInt(id), 4), ...le(BigInt(16 + body.length), 4), ...le(BigInt(r.t), 8)];
    parts.push(Uint8Array.from([...head, ...body]));
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

function le(v: bigint, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}
