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

/** A second namespace joined to a test namespace by its own veth pair, so traffic between them crosses a link that can be shaped. */
export interface LinkedNamespace {
  /** The new namespace (e.g. a receiving browser runs here). */
  name: string;
  /** The link's device and address in the first namespace (the server's side). */
  hostDev: string;
  hostAddress: string;
  /** The link's device and address in the new namespace. */
  peerDev: string;
  peerAddress: string;
}

/**
 * Creates namespace `peer` joined to the existing test namespace `ns` by a veth pair on `subnet`
 * (`a.b.c`: `ns` gets .1, `peer` .2, a /24 of their own, no default route in either); deletes it
 * again if setup fails. Deleting `peer` removes the pair, and with it any qdisc on either end.
 */
export function createLinkedNamespace(ns: string, peer: string, subnet: string): LinkedNamespace {
  const link: LinkedNamespace = { name: peer, hostDev: "vl0", hostAddress: `${subnet}.1`, peerDev: "vl1", peerAddress: `${subnet}.2` };
  ip("netns", "add", peer);
  try {
    ip("-n", peer, "link", "set", "lo", "up");
    ip("-n", ns, "link", "add", link.hostDev, "type", "veth", "peer", "name", link.peerDev, "netns", peer);
    ip("-n", ns, "addr", "add", `${link.hostAddress}/24`, "dev", link.hostDev);
    ip("-n", peer, "addr", "add", `${link.peerAddress}/24`, "dev", link.peerDev);
    ip("-n", ns, "link", "set", link.hostDev, "up");
    ip("-n", peer, "link", "set", link.peerDev, "up");
  } catch (err) {
    deleteTestNamespace(peer);
    throw err;
  }
  return link;
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.error}`);
}

/**
 * Slows the link toward the peer (the egress of its first-namespace end): a token bucket of `rate`
 * (e.g. "500kbit") with a 32 kbit burst and 400 ms of queue (PLATFORM.md: `netem` is not available).
 */
export function limitRate(ns: string, dev: string, rate: string): void {
  run("ip", ["netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms"]);
}

/** Removes a rate limit set by `limitRate` (no error if there is none). */
export function clearRate(ns: string, dev: string): void {
  spawnSync("ip", ["netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root"]);
}

/** nftables table that `dropUdp` adds in a namespace. */
const LOSS_TABLE = "dictate_loss";

/** Drops one in `every` incoming UDP packets in namespace `ns` at random (nftables). */
export function dropUdp(ns: string, every: number): void {
  const nft = (...args: string[]) => run("ip", ["netns", "exec", ns, "nft", ...args]);
  nft("add", "table", "inet", LOSS_TABLE);
  nft("add", "chain", "inet", LOSS_TABLE, "in", "{ type filter hook input priority 0; }");
  nft("add", "rule", "inet", LOSS_TABLE, "in", "meta", "l4proto", "udp", "numgen", "random", "mod", String(every), "0", "drop");
}

/** Removes what `dropUdp` added (no error if it is gone). */
export function clearDrops(ns: string): void {
  spawnSync("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", LOSS_TABLE]);
}
