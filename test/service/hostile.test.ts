/**
 * The hostile-client probes (bench/hostile.ts --quick) as a bounded CI run:
 * deep nesting is a 400; under slowloris, slow 8 MiB bodies, idle sockets and
 * a 3× overload the process stays up and a control client's requests (except
 * under overload, where a 503 is the right answer), /healthz and /metrics all
 * keep answering. Timings are the script's to report, not this test's.
 */
import { expect, test } from "bun:test";
import { PROJECT_ROOT } from "../../src/root.ts";
import { builtIndex } from "../support/fixtures.ts";

test("bench/hostile.ts --quick: every probe's verdict passes", async () => {
  const dir = builtIndex(10_000, 42);
  // The overload probe reads thin.ndjson from the index directory; the golden corpus stands in.
  await Bun.write(`${dir}/thin.ndjson`, Bun.file(`${PROJECT_ROOT}/test/golden/requests.ndjson`));
  await using proc = Bun.spawn([process.execPath, "bench/hostile.ts", "--quick", "--index", dir], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const result = JSON.parse(out || "{}") as { verdicts?: Record<string, boolean>; probes?: { deep?: { status: number } } };
  expect({ code, verdicts: result.verdicts, deep: result.probes?.deep?.status, stderr: code === 0 ? "" : err }).toEqual({
    code: 0,
    verdicts: { deep: true, slowloris: true, bodies: true, idle: true, overload: true },
    deep: 400,
    stderr: "",
  });
}, 60_000);
