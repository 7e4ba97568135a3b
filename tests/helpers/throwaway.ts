/**
 * Postgres and Redis servers of a test's (or a benchmark's) own, in temp dirs on free ports, for
 * stopping, killing and restarting mid-run. The machine's shared instances are never touched.
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./eventually.ts";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** initdb/pg_ctl on PATH, or in the newest /usr/lib/postgresql/<version>/bin. */
function postgresBin(name: string): string | null {
  const onPath = Bun.which(name);
  if (onPath) return onPath;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const p = join(root, v, "bin", name);
    if (existsSync(p)) return p;
  }
  return null;
}

const INITDB = postgresBin("initdb");
const PG_CTL = postgresBin("pg_ctl");
const REDIS_SERVER = Bun.which("redis-server");
/** Whether this machine can run throwaway servers (scripts/test.sh installs what is missing). */
export const HAVE_THROWAWAY_SERVERS = Boolean(INITDB && PG_CTL && REDIS_SERVER);

/** Postgres refuses to run as root: run its tools as the postgres user then. */
function asPostgres(cmd: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
}

async function run(cmd: string[]) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${out}\n${err}`);
}

/** A Postgres cluster of our own, in a temp dir, on a free port. */
export async function throwawayPostgres() {
  const dir = mkdtempSync(join(tmpdir(), "dictate-pg-"));
  if (process.getuid?.() === 0) chownSync(dir, 101, 104);
  const data = join(dir, "data");
  const port = await freePort();
  await run(asPostgres([INITDB!, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]));
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pg = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => run(asPostgres([PG_CTL!, "-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"])),
    stop: () => run(asPostgres([PG_CTL!, "-D", data, "-m", "immediate", "-w", "stop"])),
    async remove() {
      await pg.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

/** A redis-server of our own, on a free port, without persistence: a restart starts it empty. */
export async function throwawayRedis() {
  const port = await freePort();
  const spawn = async () => {
    const p = Bun.spawn([REDIS_SERVER!, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
    await eventually(async () => {
      const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      sock.end();
    });
    return p;
  };
  let proc = await spawn();
  const redis = {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
    /** Killed and started again on the same port, empty. */
    async restart() {
      await redis.stop();
      proc = await spawn();
    },
  };
  return redis;
}
