/**
 * Runs a browser⇄Janus scenario script INSIDE a test network namespace (tests/helpers/netns.ts)
 * and returns the report it prints as its last `{"results": …}` line. The script gets its own work
 * folder (DICTATE_E2E_WORK, deleted afterwards) and runs in its own process group, so whatever it
 * starts — the server, Janus, Chromium — is stopped with it, by pid, even when it hangs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestNamespace, deleteTestNamespace } from "./netns.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** Root, `ip`, Janus and Chromium: what every namespace scenario needs. */
export const canRunNamespaceScenario =
  process.getuid?.() === 0 && Bun.which("ip") !== null && Bun.which("janus") !== null && Bun.which("chromium") !== null;

export interface ScenarioRun {
  /** Runs the script to its end (or the timeout) and returns its report's `results`. */
  run(): Promise<Record<string, any>>;
  /** What the script printed on stderr (its step log). */
  stderr(): string;
  /** Stops everything still running in the namespace, deletes it and the work folder. */
  dispose(): void;
}

export function namespaceScenario({
  script,
  name,
  subnet,
  timeoutMs,
  env = {},
  onCreated,
}: {
  script: string;
  name: string;
  subnet: string;
  timeoutMs: number;
  env?: Record<string, string>;
  /** Called once the namespace exists, before the script starts (more network, say); may add to its environment. */
  onCreated?(ns: string, work: string): Record<string, string> | void;
}): ScenarioRun {
  const ns = `dictate-${name}-${process.pid}`;
  let child: ChildProcess | null = null;
  let work = "";
  let stderr = "";
  const killNamespace = () => {
    const r = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
    for (const pid of (r.stdout ?? "").split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  const stopChild = () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  return {
    stderr: () => stderr,
    async run() {
      work = mkdtempSync(join(tmpdir(), `dictate-${name}-`));
      mkdirSync(join(work, "tmp"));
      createTestNamespace(ns, `${subnet}.1/24`);
      try {
        const extraEnv = onCreated?.(ns, work) ?? {};
        const proc = spawn("ip", ["netns", "exec", ns, process.execPath, script], {
          cwd: ROOT,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, ...env, ...extraEnv, DICTATE_E2E_WORK: work, TMPDIR: join(work, "tmp") },
        });
        child = proc;
        let stdout = "";
        proc.stdout!.on("data", (d) => (stdout += d));
        proc.stderr!.on("data", (d) => {
          stderr += d;
          if (process.env.E2E_VERBOSE) process.stderr.write(d);
        });
        const exited = new Promise<void>((r) => proc.on("exit", () => r()));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
        clearTimeout(timer);
        if (!finished) throw new Error(`the scenario did not finish in ${timeoutMs} ms:\n${stderr}`);
        const last = stdout.trim().split("\n").filter((l) => l.startsWith('{"results"')).pop();
        if (!last) throw new Error(`the scenario printed no results:\n${stdout}\n${stderr}`);
        return JSON.parse(last).results;
      } finally {
        stopChild();
        killNamespace();
      }
    },
    dispose() {
      stopChild();
      killNamespace();
      deleteTestNamespace(ns);
      if (work) rmSync(work, { recursive: true, force: true });
    },
  };
}
