/**
 * The `MediaServer` used when there is no SFU at all (Janus not installed and no `JANUS_URL`): the
 * app still runs, and every attempt to open a room says why media is missing.
 */
import { AppError } from "../errors.ts";
import type { MediaServer } from "./media-server.ts";

export function createOfflineMediaServer(reason: string): MediaServer {
  return {
    available: false,
    openRoom: () => Promise.reject(new AppError("UNAVAILABLE", `Audio and video are not available on this server: ${reason}`)),
    onStatus: () => () => undefined,
    close: async () => undefined,
  };
}
