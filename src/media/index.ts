/**
 * Media: the SFU behind a narrow interface. `MediaServer`/`MediaRoom` are what the room actor uses;
 * `createJanusMediaServer` is the real one (janode → Janus VideoRoom), `createOfflineMediaServer` the
 * one that answers "unavailable" when there is no Janus, and `startEmbeddedJanus` runs Janus as a
 * child process when no `JANUS_URL` is configured. The in-memory fake for tests is in `testing.ts`.
 */
export type { MediaEvent, MediaKind, MediaRoom, MediaServer, StreamSetting, SubscribedStream, SubscriberOffer } from "./media-server.ts";
export { createJanusMediaServer, type JanusMediaServer, type JanusMediaServerOptions } from "./janus-adapter.ts";
export { createOfflineMediaServer } from "./offline-media-server.ts";
export { startEmbeddedJanus, type EmbeddedJanus, type EmbeddedJanusOptions, type EmbeddedJanusResult } from "./embedded-janus.ts";
export { turnCredentials, type IceServer } from "./turn.ts";
export { startMedia } from "./start-media.ts";
