/**
 * The admin server (:6060, loopback by default): profiling and metrics live
 * here, never on the hot-path port. Each route is registered by its module.
 */
import { Elysia } from "elysia";

export interface AdminOptions {
  host: string;
  port: number;
}

/** Builds the admin app. The pprof-style endpoints and /metrics register on it (see src/admin/). */
export function createAdminApp() {
  return new Elysia()
    .get("/debug/pprof/", () => new Response(indexPage([]), { headers: { "content-type": "text/html; charset=utf-8" } }))
    .onError(({ code }) => (code === "NOT_FOUND" ? new Response("not found\n", { status: 404 }) : undefined));
}

function indexPage(entries: { path: string; about: string }[]): string {
  const rows = entries.map((e) => `<tr><td><a href="${e.path}">${e.path}</a></td><td>${e.about}</td></tr>`).join("");
  return `<!doctype html><title>enrich /debug/pprof/</title><h1>/debug/pprof/</h1><table>${rows || "<tr><td>no profiles registered yet</td></tr>"}</table>`;
}
