/**
 * A receiver on a bad link keeps seeing video (issue 15): Bob's Chromium runs in a namespace of its
 * own, joined to the server's (Janus, Alice) by a veth pair, so his link alone can be impaired. With
 * Alice pinned on his stage (the top layer wanted), the link is first held to 500 kbit/s (tc tbf),
 * then loses 10 % of its UDP packets (nftables); each time Bob must keep decoding, on a lower layer,
 * with no freeze over 2 s. simulcast.scenario.ts drives the browsers and says when it wants each
 * impairment (a phase file); this file applies them and removes every namespace, qdisc and table,
 * also on failure. Skipped without root, `ip`, `tc`, `nft`, Janus or Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clearDrops, clearRate, createLinkedNamespace, deleteTestNamespace, dropUdp, limitRate, type LinkedNamespace } from "../helpers/netns.ts";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const SCENARIO_TIMEOUT_MS = 180_000;
const canImpair = canRunNamespaceScenario && Bun.which("tc") !== null && Bun.which("nft") !== null;
const octet = 7 + (process.pid % 200);

describe.skipIf(!canImpair)("simulcast on an impaired receiver link (Chromium + Janus, two namespaces)", () => {
  const peerNs = `dictate-simbob-${process.pid}`;
  let link: LinkedNamespace | null = null;
  let hostNs = "";
  let phaseFile = "";
  const applied: string[] = [];
  const scenario = namespaceScenario({
    script: join(import.meta.dir, "simulcast.scenario.ts"),
    name: "simimp",
    subnet: `10.218.${octet}`,
    timeoutMs: SCENARIO_TIMEOUT_MS,
    onCreated(ns, work) {
      hostNs = ns;
      link = createLinkedNamespace(ns, peerNs, `10.219.${octet}`);
      phaseFile = join(work, "phase");
      writeFileSync(phaseFile, "start\n");
      return { SIMULCAST_HOST: link.hostAddress, SIMULCAST_IMPAIR: peerNs, SIMULCAST_PHASE_FILE: phaseFile };
    },
  });
  let r: Record<string, any> = {};

  const cleanNetwork = () => {
    if (link) {
      clearRate(hostNs, link.hostDev);
      clearDrops(peerNs);
    }
  };

  beforeAll(async () => {
    // The scenario asks for each impairment in the phase file; the test (root, outside) applies it.
    const poll = setInterval(() => {
      if (!phaseFile || !link) return;
      let phase = "";
      try {
        phase = readFileSync(phaseFile, "utf8").trim();
      } catch {
        return;
      }
      if (phase === "want rate") {
        limitRate(hostNs, link.hostDev, "500kbit");
        applied.push("rate 500kbit");
        writeFileSync(phaseFile, "shaped rate\n");
      } else if (phase === "want loss") {
        clearRate(hostNs, link.hostDev);
        dropUdp(peerNs, 10);
        applied.push("udp loss 1/10");
        writeFileSync(phaseFile, "shaped loss\n");
      }
    }, 100);
    try {
      r = await scenario.run();
    } finally {
      clearInterval(poll);
      cleanNetwork();
    }
  }, SCENARIO_TIMEOUT_MS + 20_000);

  afterAll(() => {
    cleanNetwork();
    // Bob's Chromium lives in the peer namespace: stop whatever is left there before deleting it.
    const pids = spawnSync("ip", ["netns", "pids", peerNs], { encoding: "utf8" }).stdout ?? "";
    for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    deleteTestNamespace(peerNs);
    scenario.dispose();
  });

  test("the scenario ran to the end with both impairments applied", () => {
    if (r.error) console.error(r.error, scenario.stderr());
    console.log(JSON.stringify({ applied, steadyAfterMs: r.steadyAfterMs, encodings: r.encodings, healthy: r.healthy, rate: r.rate, loss: r.loss, viewReports: r.viewReports }, null, 1));
    expect(r.error ?? null).toBeNull();
    expect(r.ok).toBe(true);
    expect(applied).toEqual(["rate 500kbit", "udp loss 1/10"]);
  });

  test("healthy, the stage decodes the top layer", () => {
    expect(r.healthy.frames).toBeGreaterThan(20);
    expect(Math.max(...r.healthy.widths)).toBeGreaterThanOrEqual(1280);
  });

  test("held to 500 kbit/s, Bob keeps decoding on a lower layer without a freeze over 2 s", () => {
    expect(r.rate.frames).toBeGreaterThan(40);
    expect(r.rate.longestGapMs).toBeLessThan(2_000);
    expect(r.rate.end.frameWidth).toBeLessThan(1280);
    expect(r.rate.audioSamples).toBeGreaterThan(48_000 * 4);
  });

  test("losing 10 % of UDP packets, Bob keeps decoding without a freeze over 2 s", () => {
    expect(r.loss.frames).toBeGreaterThan(40);
    expect(r.loss.longestGapMs).toBeLessThan(2_000);
    expect(r.loss.audioSamples).toBeGreaterThan(48_000 * 4);
  });
});
