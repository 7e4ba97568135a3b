/**
 * The test network of PLATFORM.md: a namespace holding both ends of a veth pair with a private
 * address and no default route, so a browser and Janus inside it can exchange media and nothing can
 * leave it. Tests create their own and delete it afterwards, even on failure.
 */
import { spawnSync } from "node:child_process";

function ip(...args: string[]) {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

/** Creates namespace `name` with `address` (CIDR) on its veth; deletes it again if setup fails. */
export function createTestNamespace(name: string, address: string): void {
  ip("netns", "add", name);
  try {
    ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
    ip("netns", "exec", name, "ip", "link", "add", "vp0", "type", "veth", "peer", "name", "vp1");
    ip("netns", "exec", name, "ip", "addr", "add", address, "dev", "vp0");
    ip("netns", "exec", name, "ip", "link", "set", "vp0", "up");
    ip("netns", "exec", name, "ip", "link", "set", "vp1", "up");
  } catch (err) {
    deleteTestNamespace(name);
    throw err;
  }
}

/** Deletes the namespace (no error if it is already gone). */
export function deleteTestNamespace(name: string): void {
  spawnSync("ip", ["netns", "del", name]);
}
