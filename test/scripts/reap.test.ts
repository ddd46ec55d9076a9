import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";

const CHILD = `
import { reapOnExit } from ${JSON.stringify(join(import.meta.dir, "../../scripts/lib/reap.ts"))};
const sleeper = Bun.spawn(["sleep", "600"]);
reapOnExit(sleeper);
console.log(sleeper.pid);
setInterval(() => {}, 1000);
`;

/** Running or sleeping; a zombie (killed, not yet reaped by init) or a vanished pid is dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`a script's child server dies with the script on ${signal}`, async () => {
    const script = Bun.spawn([process.execPath, "-e", CHILD], { stdout: "pipe", stderr: "inherit" });
    const reader = script.stdout.getReader();
    const { value } = await reader.read();
    const pid = Number(new TextDecoder().decode(value).trim());
    expect(alive(pid)).toBe(true);
    script.kill(signal);
    expect(await script.exited).toBe(signal === "SIGTERM" ? 143 : 130);
    // SIGKILL was sent before the script exited; its delivery is the kernel's, so wait for that event (bounded).
    expect(await eventually(() => (alive(pid) ? undefined : true), `pid ${pid} gone`)).toBe(true);
  });
}
