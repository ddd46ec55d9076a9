/**
 * Child servers die with the script that started them. A benchmark or a
 * profile capture killed mid-run (Ctrl-C, `timeout`, SIGTERM from a CI
 * runner) must not leave a pinned service behind: it would hold its core
 * and skew every later measurement on the machine.
 */
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
let installed = false;

function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Registers `proc` to be killed when this process exits or is interrupted; returns the unregister function. */
export function reapOnExit(proc: Subprocess): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", killAll);
    for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(sig, () => {
        killAll();
        process.exit(code);
      });
    }
  }
  children.add(proc);
  void proc.exited.then(() => children.delete(proc));
  return () => children.delete(proc);
}
