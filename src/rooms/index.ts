export { createRooms, type Rooms, type RoomsDeps } from "./rooms.ts";
export { createRoomActor, DEFAULT_ROOM_LIMITS, RoomClosedError, type RoomActor, type RoomDeps, type RoomMeeting, type RoomLimits, type RoomRecords } from "./room-actor.ts";
export { createLocalDirectory, createLocalRooms, type RoomDirectory, type ActorFactory } from "./local-directory.ts";
export { CLOSE, isDeliberateClose, type Channel, type Connection, type Principal, type SocketSink } from "./connection.ts";
export { systemClock, type Clock } from "./clock.ts";
export { MAX_ROOM_FRAME, MAX_NOTES_UPDATE } from "./protocol.ts";
export type { ChatMessage, ClientMessage, MediaKind, Participant, RequestId, ServerMessage, StreamInfo, Welcome } from "./protocol.ts";
export { createRedisDirectory, type RedisDirectoryOptions } from "./redis-directory.ts";
export { createRoomRecording, KEYFRAME_DELAY_MS, type RecordingRecords, type RecordingView as RoomRecordingView } from "./room-actor.recording.ts";
