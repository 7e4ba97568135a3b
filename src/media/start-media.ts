import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { startEmbeddedJanus, type EmbeddedJanus } from "./embedded-janus.ts";
import { createJanusMediaServer } from "./janus-adapter.ts";
import type { MediaServer } from "./media-server.ts";
import { createOfflineMediaServer } from "./offline-media-server.ts";

/**
 * The process's media server: the configured Janus, else one started here, else none (meetings
 * then run without media and say so; the reason is logged in one line).
 */
export async function startMedia(
  config: Pick<Config, "janusUrl" | "janusApiSecret" | "janusBin" | "janusRtpPorts" | "janusPublicIp" | "dataDir">,
  logger: Logger,
) {
  let embedded: EmbeddedJanus | null = null;
  let media: MediaServer;
  if (config.janusUrl) {
    const janus = createJanusMediaServer({ url: config.janusUrl, apiSecret: config.janusApiSecret, logger });
    await janus.ready();
    media = janus;
  } else {
    const started = await startEmbeddedJanus({
      bin: config.janusBin,
      workDir: join(config.dataDir, "janus"),
      rtpPortRange: config.janusRtpPorts,
      nat1to1: config.janusPublicIp,
      logger,
    });
    if (started.ok) {
      embedded = started.janus;
      const janus = createJanusMediaServer({ url: () => started.janus.url, apiSecret: started.janus.apiSecret, logger });
      await janus.ready();
      media = janus;
    } else {
      logger.warn(started.message);
      media = createOfflineMediaServer(started.message);
    }
  }
  return {
    media,
    async stop() {
      await media.close();
      await embedded?.stop();
    },
  };
}
