// Types for the parts of janode 1.8 (plain JavaScript, no typings of its own) that the Janus adapter
// uses. Only janus-adapter.ts imports janode.

declare module "janode" {
  import type { EventEmitter } from "node:events";

  export interface Jsep {
    type: "offer" | "answer";
    sdp: string;
    trickle?: boolean;
    e2ee?: boolean;
  }

  export interface JanodeHandle extends EventEmitter {
    readonly id: number;
    detach(): Promise<void>;
    hangup(): Promise<unknown>;
    message(body: Record<string, unknown>, jsep?: Jsep): Promise<any>;
  }

  export interface JanodeSession extends EventEmitter {
    readonly id: number;
    attach<H extends JanodeHandle>(plugin: { id: string; Handle: new (...args: any[]) => H }): Promise<H>;
    destroy(): Promise<void>;
  }

  export interface JanodeConnection extends EventEmitter {
    readonly id: number;
    create(keepAliveSecs?: number): Promise<JanodeSession>;
    close(): Promise<void>;
  }

  export interface ConnectConfig {
    address: { url: string; apisecret?: string } | { url: string; apisecret?: string }[];
    retry_time_secs?: number;
    max_retries?: number;
    is_admin?: boolean;
    ws_options?: Record<string, unknown>;
  }

  const Janode: {
    connect(config: ConnectConfig): Promise<JanodeConnection>;
    Logger: { setLevel(level: "none" | "error" | "warning" | "info" | "verbose" | "debug"): string };
    EVENT: {
      CONNECTION_CLOSED: "connection_closed";
      SESSION_DESTROYED: "session_destroyed";
      HANDLE_DETACHED: "handle_detached";
      HANDLE_ICE_FAILED: "handle_ice_failed";
      HANDLE_HANGUP: "handle_hangup";
      HANDLE_MEDIA: "handle_media";
      HANDLE_WEBRTCUP: "handle_webrtcup";
      HANDLE_SLOWLINK: "handle_slowlink";
      HANDLE_TRICKLE: "handle_trickle";
      CONNECTION_ERROR: "connection_error";
    };
  };
  export default Janode;
}

declare module "janode/plugins/videoroom" {
  import type { JanodeHandle, Jsep } from "janode";

  export interface JanusStream {
    type: "audio" | "video" | "data";
    active?: boolean;
    mindex?: number;
    mid?: string;
    feed_id?: number;
    feed_mid?: string;
    feed_display?: string;
    [key: string]: unknown;
  }

  export interface VideoRoomHandle extends JanodeHandle {
    feed: number | null;
    create(params: {
      room?: number;
      description?: string;
      max_publishers?: number;
      permanent?: boolean;
      is_private?: boolean;
      audiocodec?: string;
      videocodec?: string;
      talking_events?: boolean;
      talking_level_threshold?: number;
      talking_packets_threshold?: number;
      notify_joining?: boolean;
      record?: boolean;
      rec_dir?: string;
      bitrate?: number;
      fir_freq?: number;
      /** Needed afterwards to edit, record or destroy the room. */
      secret?: string;
    }): Promise<{ room: number; permanent?: boolean }>;
    destroy(params: { room: number; permanent?: boolean; secret?: string }): Promise<{ room: number }>;
    enable_recording(params: { room: number; record: boolean; secret?: string }): Promise<{ room: number; record: boolean }>;
    joinConfigurePublisher(params: {
      room: number;
      display?: string;
      audio?: boolean;
      video?: boolean;
      jsep: Jsep;
    }): Promise<{ feed: number; jsep?: Jsep; room: number }>;
    configure(params: {
      keyframe?: boolean;
      jsep?: Jsep;
      /** [multistream subscriber] per m-line: send, simulcast substream/temporal, fallback (µs), keyframe. */
      streams?: { mid: string; send?: boolean; keyframe?: boolean; substream?: number; temporal?: number; fallback?: number }[];
    }): Promise<unknown>;
    joinSubscriber(params: {
      room: number;
      streams: { feed: number; mid?: string }[];
      autoupdate?: boolean;
      use_msid?: boolean;
    }): Promise<{ jsep?: Jsep; streams?: JanusStream[]; room: number }>;
    update(params: {
      subscribe?: { feed: number; mid?: string }[];
      unsubscribe?: { feed: number; mid?: string }[];
    }): Promise<{ jsep?: Jsep; streams?: JanusStream[] }>;
    start(params: { jsep: Jsep }): Promise<unknown>;
  }

  const VideoRoomPlugin: {
    id: "janus.plugin.videoroom";
    Handle: new (...args: any[]) => VideoRoomHandle;
    EVENT: {
      VIDEOROOM_TALKING: "videoroom_talking";
      VIDEOROOM_DESTROYED: "videoroom_destroyed";
      VIDEOROOM_UNPUBLISHED: "videoroom_unpublished";
      VIDEOROOM_LEAVING: "videoroom_leaving";
      VIDEOROOM_KICKED: "videoroom_kicked";
      VIDEOROOM_UPDATED: "videoroom_updated";
      VIDEOROOM_ERROR: "videoroom_error";
    };
  };
  export default VideoRoomPlugin;
}

declare module "*.jcfg" {
  const text: string;
  export default text;
}
