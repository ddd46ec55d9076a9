/** `go tool pprof` when Go is installed: the analysis commands hand it the work and pass its output through. */

let cached: boolean | null = null;

/** Whether `go tool pprof` can run here (checked once). ENRICH_NO_GO=1 forces the built-in views. */
export function goAvailable(): boolean {
  if (process.env.ENRICH_NO_GO === "1") return false;
  cached ??= Bun.spawnSync(["go", "tool", "pprof", "-h"], { stdout: "ignore", stderr: "ignore" }).exitCode !== null && Bun.which("go") !== null;
  return cached;
}

/** Runs `go tool pprof ARGS` with its output on ours; resolves with its exit code. */
export async function goPprof(args: string[]): Promise<number> {
  const proc = Bun.spawn(["go", "tool", "pprof", "-symbolize=none", ...args], { stdout: "inherit", stderr: "inherit", env: { ...process.env, PPROF_TMPDIR: process.env.PPROF_TMPDIR ?? "/tmp" } });
  return proc.exited;
}
