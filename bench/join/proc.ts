/** CPU accounting from /proc for bench/join.ts. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** USER_HZ: 100 on Linux. */
const HZ = 100;

/** CPU seconds (utime + stime) the process has used so far, or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / HZ;
  } catch {
    return null;
  }
}

/** Every live Chromium process (browser, renderers, GPU/utility helpers) by pid. */
export function chromiumPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`).includes("chromium")) pids.push(Number(entry));
    } catch {
      // Gone, or a kernel thread.
    }
  }
  return pids;
}

/** CPU seconds per pid for a set of processes, to diff later (a process born in between counts from 0). */
export function cpuSnapshot(pids: number[]): Map<number, number> {
  const snap = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s !== null) snap.set(pid, s);
  }
  return snap;
}

/** CPU seconds used between two snapshots (processes that exited in between are lost). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}
