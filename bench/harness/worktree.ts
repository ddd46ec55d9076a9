/**
 * Checkouts of other revisions for an A/B: `git worktree add --detach` into a
 * temp directory, with this checkout's bench/ copied in (the benchmark code
 * is identical on both sides; only the code under test differs) and
 * node_modules linked. The revision's own suites are kept beside them
 * (bench/.own-suites): a copied suite whose imports that revision lacks (a
 * module moved since) falls back to its own (round.ts loadSuites). "." is
 * the working tree itself, as it is.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where, under bench/, a checkout keeps the revision's own suites. */
export const OWN_SUITES_NAME = ".own-suites";

export interface Checkout {
  label: string;
  root: string;
  commit: string;
}

export function git(args: string[], cwd: string): string {
  const r = Bun.spawnSync(["git", ...args], { cwd, stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString().trim().split("\n").pop()}`);
  return r.stdout.toString().trim();
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** Worktrees of one A/B, removed together (also on Ctrl-C by the caller). */
export class Worktrees {
  private readonly tmp: string;
  private readonly made: string[] = [];

  constructor(private readonly root: string, prefix = "enrich-ab-") {
    this.tmp = mkdtempSync(join(tmpdir(), prefix));
  }

  /** resolve returns the full hash of a revision; throws a one-line message if it is not a commit here. */
  resolve(rev: string): string {
    try {
      return git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], this.root);
    } catch {
      throw new Error(`'${rev}' is not a commit in this repository`);
    }
  }

  /** checkout makes side `which` of revision `rev` ("." = the working tree, not copied). */
  checkout(rev: string, which: string): Checkout {
    if (rev === ".") return { label: "worktree", root: this.root, commit: gitCommit(this.root) };
    const sha = this.resolve(rev);
    const dir = join(this.tmp, which);
    git(["worktree", "add", "--detach", dir, sha], this.root);
    this.made.push(dir);
    const own = join(this.tmp, `${which}-own-suites`);
    cpSync(join(dir, "bench", "suites"), own, { recursive: true });
    rmSync(join(dir, "bench"), { recursive: true, force: true });
    cpSync(join(this.root, "bench"), join(dir, "bench"), { recursive: true });
    cpSync(own, join(dir, "bench", OWN_SUITES_NAME), { recursive: true });
    rmSync(own, { recursive: true, force: true });
    symlinkSync(join(this.root, "node_modules"), join(dir, "node_modules"));
    return { label: safe(rev), root: dir, commit: sha.slice(0, 12) };
  }

  cleanup(): void {
    for (const wt of this.made) {
      try {
        git(["worktree", "remove", "--force", wt], this.root);
      } catch {
        // Already gone; prune below catches the bookkeeping.
      }
    }
    this.made.length = 0;
    rmSync(this.tmp, { recursive: true, force: true });
    Bun.spawnSync(["git", "worktree", "prune"], { cwd: this.root });
  }
}

/** gitCommit describes the checkout at `root`: short hash, "-dirty" when it has uncommitted changes. */
export function gitCommit(root: string): string {
  const rev = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root });
  if (rev.exitCode !== 0) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root }).stdout.toString().trim() !== "";
  return rev.stdout.toString().trim() + (dirty ? "-dirty" : "");
}
