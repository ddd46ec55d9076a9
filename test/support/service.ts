/** The service as a child process on free ports, for smoke tests of the real listener (everything else uses app.handle). */
// Named apart from src/service/start.ts's startService, which starts the service in this process.
export { spawnService as spawnTestService, type RunningService } from "../../scripts/lib/spawn-service.ts";
