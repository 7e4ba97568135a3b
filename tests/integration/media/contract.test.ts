import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createJanusMediaServer, startEmbeddedJanus } from "../../../src/media/index.ts";
import { createFakeMediaServer } from "../../../src/media/testing.ts";
import { describeMediaContract } from "./media-contract.ts";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

describeMediaContract("fake", async () => {
  const media = createFakeMediaServer();
  return { media, close: () => media.close() };
});

describeMediaContract(
  "janus",
  async () => {
    const work = mkdtempSync(join(tmpdir(), "dictate-janus-contract-"));
    const started = await startEmbeddedJanus({ bin: "janus", workDir: work, logger });
    if (!started.ok) {
      rmSync(work, { recursive: true, force: true });
      throw new Error(started.message);
    }
    const media = createJanusMediaServer({ url: started.janus.url, apiSecret: started.janus.apiSecret, logger });
    if (!(await media.ready())) throw new Error("the adapter did not connect");
    return {
      media,
      async close() {
        await media.close();
        await started.janus.stop();
        rmSync(work, { recursive: true, force: true });
      },
    };
  },
  { skip: Bun.which("janus") === null },
);
