/** The service as a child process on free ports, for smoke tests of the real listener (everything else uses app.handle). */
export { spawnService as startService, type RunningService } from "../../scripts/lib/spawn-service.ts";
