/**
 * The primary's supervision of its workers (--workers N): a worker that dies
 * is restarted, with exponential backoff, and every death and restart is
 * logged. Backoff: RESTART_MIN_MS doubling to RESTART_MAX_MS while a worker
 * keeps dying within STABLE_MS of its start; a worker that stayed up that
 * long starts again from RESTART_MIN_MS. Clients see at most the requests
 * that dead worker had in flight: the kernel stops routing SO_REUSEPORT
 * connections to a closed listener at once.
 *
 * When the primary itself dies (see start.ts), each worker notices within a
 * second, drains and exits: under systemd (the primary is the main PID) the
 * unit then fails as a whole and Restart= brings back one consistent set,
 * instead of orphans serving an old configuration that nothing supervises.
 */
import type { Subprocess } from "bun";

export const RESTART_MIN_MS = 100;
export const RESTART_MAX_MS = 10_000;
export const STABLE_MS = 30_000;

export interface SupervisorOptions {
  /** Worker ids 1..count-1 (worker 0 is the primary itself). */
  count: number;
  spawn(id: number): Subprocess;
  log(line: string): void;
  /** Injectable for tests. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

interface Slot {
  id: number;
  proc: Subprocess;
  startedAt: number;
  delayMs: number;
  restarts: number;
}

/** backoffAfter is the next restart delay for a worker that ran `ranMs` after a restart delay of `lastMs`. */
export function backoffAfter(lastMs: number, ranMs: number): number {
  if (ranMs >= STABLE_MS) return RESTART_MIN_MS;
  return Math.min(RESTART_MAX_MS, Math.max(RESTART_MIN_MS, lastMs * 2));
}

export class Supervisor {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly o: SupervisorOptions) {
    this.now = o.now ?? (() => performance.now());
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    for (let id = 1; id < o.count; id++) this.start({ id, proc: undefined as unknown as Subprocess, startedAt: 0, delayMs: 0, restarts: 0 });
  }

  /** The live worker processes. */
  get children(): Subprocess[] {
    return this.slots.map((s) => s.proc);
  }

  /** restarts per worker id (for /metrics and tests). */
  restarts(): Record<number, number> {
    return Object.fromEntries(this.slots.map((s) => [s.id, s.restarts]));
  }

  private start(slot: Slot): void {
    slot.proc = this.o.spawn(slot.id);
    slot.startedAt = this.now();
    if (!this.slots.includes(slot)) this.slots.push(slot);
    const proc = slot.proc;
    void proc.exited.then((code) => {
      if (this.stopping || slot.proc !== proc) return;
      const ran = this.now() - slot.startedAt;
      slot.delayMs = backoffAfter(slot.restarts === 0 ? 0 : slot.delayMs, ran);
      slot.restarts++;
      const how = proc.signalCode ? `signal ${proc.signalCode}` : `exit code ${code}`;
      this.o.log(`worker ${slot.id} (pid ${proc.pid}) died (${how}) after ${(ran / 1000).toFixed(1)} s; restarting in ${slot.delayMs} ms (restart ${slot.restarts})`);
      this.setTimer(() => {
        if (this.stopping) return;
        this.start(slot);
        this.o.log(`worker ${slot.id} restarted (pid ${slot.proc.pid})`);
      }, slot.delayMs);
    });
  }

  /** signal forwards a signal to every worker (SIGHUP: reload). */
  signal(sig: NodeJS.Signals): void {
    for (const s of this.slots) s.proc.kill(sig);
  }

  /** stop ends supervision and SIGTERMs every worker (each drains); resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) s.proc.kill("SIGTERM");
    await Promise.all(this.slots.map((s) => s.proc.exited));
  }
}
