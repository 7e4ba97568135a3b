import { createHmac, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { randomToken } from "../auth/index.ts";
import type { NotesStore, NotesWriter } from "../notes/index.ts";
import type { Clock } from "./clock.ts";
import { CLOSE, isDeliberateClose, type Channel, type Connection, type Principal, type SocketSink } from "./connection.ts";
import { createMailbox } from "./mailbox.ts";
import { createBucket, type Bucket } from "./rate-limit.ts";
import { createRoomNotes } from "./room-actor.notes.ts";
import { createRoomMedia, type RoomMedia } from "./room-actor.media.ts";
import { createRoomRecording, type RecordingRecords, type RoomRecording } from "./room-actor.recording.ts";
import { createRoomControl, isControlMessage, type ControlState, type Knock } from "./room-actor.control.ts";
import { createRoomMemory, type MemoryRecords } from "./room-actor.memory.ts";
import { AppError } from "../errors.ts";
import { normalizeName } from "../names.ts";
import type { MediaServer } from "../media/index.ts";
import { nestsDeeperThan } from "../json-depth.ts";
import { createRoomTitle } from "./room-actor.title.ts";
import { MAX_NAME, MAX_ROOM_DEPTH, MAX_ROOM_FRAME, parseClientMessage, type ChatMessage, type ClientMessage, type Participant, type ServerMessage } from "./protocol.ts";
import type { IceServer } from "../media/index.ts";

/** What a room needs to know about its meeting. */
export interface RoomMeeting {
  id: string;
  code: string;
  title: string;
  agenda: string;
  teamId: string | null;
  /** The signed-in creator (a host); null for a meeting started signed out. */
  createdBy?: string | null;
  /** The meeting's settings as saved: guests wait in a lobby; people a host muted may unmute themselves. */
  lobby?: boolean;
  selfUnmute?: boolean;
}

/** The meeting bookkeeping a room does in the database. */
export interface RoomRecords {
  markStarted(meetingId: string): Promise<void>;
  markEnded(meetingId: string): Promise<void>;
  recordParticipant(meetingId: string, userId: string): Promise<void>;
  /** A host changed the meeting's lobby or self-unmute setting in the room: saved for next time. */
  saveSettings?(meetingId: string, settings: { lobby: boolean; selfUnmute: boolean }): Promise<void>;
  /** The meeting's creator and saved settings, read as the room loads (a room may load on any node). */
  loadControl?(meetingId: string): Promise<{ createdBy: string | null; lobby: boolean; selfUnmute: boolean; locked?: boolean; control?: Omit<ControlState, "locked"> | null } | null>;
  /** A title given in the room (`meeting.rename`), saved as the API's PATCH would. */
  saveTitle?(meetingId: string, title: string): Promise<void>;
  /** The lock and whom hosts promoted or removed (null: the meeting ended or emptied, forget them). */
  saveControl?(meetingId: string, state: ControlState | null): Promise<void>;
}

export interface RoomLimits {
  /** Sustained messages per second per socket, and the burst allowed above it. */
  messagesPerSecond: number;
  burst: number;
  /** The same for a notes socket: typing sends an update per keystroke, and awareness with it. */
  notesMessagesPerSecond: number;
  notesBurst: number;
  /** Bytes a notes socket may send per second, and the burst (at least one largest update). */
  notesBytesPerSecond: number;
  notesBytesBurst: number;
  /** The largest a meeting's notes document may grow (its encoded state), in bytes. */
  notesMaxDocBytes: number;
  /** Bad frames a socket may send before it is closed. */
  badFrames: number;
  /** The most people in the meeting at once. */
  seatsPerRoom: number;
  chatHistory: number;
}

export const DEFAULT_ROOM_LIMITS: RoomLimits = {
  messagesPerSecond: 20,
  burst: 60,
  notesMessagesPerSecond: 60,
  notesBurst: 300,
  notesBytesPerSecond: 64 * 1024,
  notesBytesBurst: 1.5 * 1024 * 1024,
  notesMaxDocBytes: 4 * 1024 * 1024,
  badFrames: 20,
  seatsPerRoom: 50,
  chatHistory: 100,
};

export interface RoomDeps {
  clock: Clock;
  /** How long an empty room, or the seat of a dropped socket, is kept. */
  graceMs: number;
  notesStore: NotesStore;
  notesWriter: NotesWriter;
  records: RoomRecords;
  logger: Logger;
  limits?: RoomLimits;
  iceServers?(): IceServer[];
  /** The SFU; without it the room works without media (and says so in `welcome`). */
  media?: MediaServer;
  /** Recording rows and where Janus writes the files; without them the room cannot record. */
  recordings?: RecordingRecords;
  recordingsDir?: string;
  /** Called once, when the room has finished disposing (it may then be loaded again). */
  onDisposed?(): void;
  metrics?: { notesUpdate(): void };
  /**
   * Signs resume tokens, so a room loaded afresh (another node took it over after its owner died, or
   * this process restarted) gives a returning socket back its participant id. The same on every node.
   */
  seatKey?: string;
  /** Where the speaker timeline and attendance go (written in batches, outside the mailbox). */
  memory?: MemoryRecords;
}

interface Seat {
  participant: Participant;
  resumeToken: string;
  conn: Connection | null;
  holdTimer: unknown;
}

interface RoomSocket {
  conn: Connection;
  principal: Principal;
  seat: Seat | null;
  /** Knocking in the lobby under this id, until a host admits or denies it. */
  waiting: string | null;
  bucket: Bucket;
  badFrames: number;
}

const newId = () => randomToken(9);

/** `<participant id>.<HMAC of meeting, participant and user>`: checkable by any node holding the key. */
function seatToken(key: string, meetingId: string, participantId: string, userId: string | null) {
  return `${participantId}.${createHmac("sha256", key).update(`${meetingId}:${participantId}:${userId ?? ""}`).digest("base64url")}`;
}

/** The participant id a resume token was issued for, if it is genuine (for this meeting and user). */
function seatTokenId(key: string, meetingId: string, token: string, userId: string | null): string | null {
  const dot = token.indexOf(".");
  if (dot <= 0) return null;
  const id = token.slice(0, dot);
  const expected = Buffer.from(seatToken(key, meetingId, id, userId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/**
 * One live meeting. Every message of the room goes through one serial mailbox, so the state below
 * needs no locks; a handler that throws fails that one message, never the room.
 */
export function createRoomActor(meeting: RoomMeeting, deps: RoomDeps) {
  const limits = deps.limits ?? DEFAULT_ROOM_LIMITS;
  // Without a shared key, tokens still work within this actor's life (the key is its own).
  const seatKey = deps.seatKey ?? randomToken(32);
  const log = deps.logger.child({ room: meeting.code });
  const seats = new Map<string, Seat>();
  const roomSockets = new Map<Connection, RoomSocket>();
  const chat: ChatMessage[] = [];
  let media: RoomMedia | null = null;
  let recording: RoomRecording | null = null;
  let state: "new" | "starting" | "live" | "disposing" | "disposed" = "new";
  /** Sockets knocking in the lobby, by their lobby id. */
  const knocking = new Map<string, RoomSocket>();
  let emptyTimer: unknown = null;
  let startedRecorded = false;
  let disposing: Promise<void> | null = null;
  const memory = deps.memory ? createRoomMemory(meeting.id, { clock: deps.clock, logger: log, records: deps.memory, leadMs: deps.media?.talkingLeadMs }) : null;

  const mailbox = createMailbox((err, label) => log.error({ err, label }, "room handler failed"));
  const notes = createRoomNotes(meeting, {
    store: deps.notesStore,
    writer: deps.notesWriter,
    clock: deps.clock,
    logger: log,
    limits,
    post: (task, label) => mailbox.post(task, label),
    onFenced: () => mailbox.post(fenced, "fenced"),
    onIdle: () => checkEmpty(),
    onUpdateApplied: () => deps.metrics?.notesUpdate(),
  });

  const send = (conn: Connection, message: ServerMessage) => conn.send(JSON.stringify(message));
  const control = createRoomControl({
    meeting,
    clock: deps.clock,
    logger: log,
    seats: () => seats.values(),
    seat: (id) => seats.get(id),
    send,
    broadcast: (message) => broadcast(message),
    admit: (k: Knock) => {
      const s = roomSockets.get(k.conn);
      if (!s || s.waiting !== k.entry.id) return "They are no longer waiting";
      if (seats.size >= limits.seatsPerRoom) return `The meeting is full (${limits.seatsPerRoom} people)`;
      knocking.delete(k.entry.id);
      s.waiting = null;
      seatParticipant(s, k.entry.id, k.entry.name);
      return null;
    },
    endSeat: (id) => {
      const seat = seats.get(id);
      if (!seat) return;
      const s = seat.conn ? roomSockets.get(seat.conn) : undefined;
      if (s) s.seat = null;
      endSeat(seat);
      closeNotesOf(seat.participant);
    },
    end: (by) => endMeeting(by),
    muteAudio: (id, muted) => media?.muteAudio(id, muted),
    saveSettings: (settings) => {
      if (deps.records.saveSettings) track(deps.records.saveSettings(meeting.id, settings), "saving the meeting's settings");
    },
    saveControl: (state) => saveControl(state),
  });
  const title = createRoomTitle({
    meeting,
    logger: log,
    hostsByRight: (principal) => control.hostsByRight(principal),
    owned: () => control.owned(),
    save: deps.records.saveTitle?.bind(deps.records),
    post: (task, label) => mailbox.post(task, label),
    send,
    broadcast: (message) => broadcast(message),
    track: (write, what) => track(write, what),
  });
  const broadcast = (message: ServerMessage, except?: Connection) => {
    const text = JSON.stringify(message);
    for (const seat of seats.values()) if (seat.conn && seat.conn !== except) seat.conn.send(text);
  };
  const replyError = (conn: Connection, code: string, message: string, id?: string | number) =>
    send(conn, { type: "error", code, message, ...(id !== undefined ? { id } : {}) });
  const ack = (conn: Connection, id: string | number | undefined) => {
    if (id !== undefined) send(conn, { type: "ack", id });
  };

  function clearEmptyTimer() {
    if (emptyTimer !== null) deps.clock.clearTimeout(emptyTimer);
    emptyTimer = null;
  }

  function checkEmpty() {
    if (state !== "live") return;
    if (seats.size > 0 || roomSockets.size > 0 || notes.connectionCount > 0) {
      clearEmptyTimer();
      return;
    }
    emptyTimer ??= deps.clock.setTimeout(() => {
      emptyTimer = null;
      void dispose("empty");
    }, deps.graceMs);
  }

  function badFrame(s: RoomSocket, message: string, id?: string | number) {
    s.badFrames++;
    if (s.badFrames >= limits.badFrames) s.conn.close(CLOSE.BAD_REQUEST, "Too many malformed messages");
    else replyError(s.conn, "INVALID_ARGUMENT", message, id);
  }

  function endSeat(seat: Seat) {
    if (seats.get(seat.participant.id) !== seat) return;
    if (seat.holdTimer !== null) deps.clock.clearTimeout(seat.holdTimer);
    seats.delete(seat.participant.id);
    memory?.left(seat.participant.id, seat.participant.name);
    media?.left(seat.participant.id);
    control.seatEnded(seat.participant.id);
    broadcast({ type: "participant.left", participant: seat.participant });
    control.ensureHost();
    // Nobody left to record: a room that empties stops its recording.
    if (seats.size === 0) void recording?.stop("room").catch((err) => log.error({ err }, "stopping the recording failed"));
    checkEmpty();
  }

  function hello(s: RoomSocket, msg: Extract<ClientMessage, { type: "hello" }>) {
    if (s.seat) return replyError(s.conn, "CONFLICT", "Already joined", msg.id);
    if (s.waiting) return replyError(s.conn, "CONFLICT", "Already waiting to be let in", msg.id);
    const resumed = msg.resume
      ? [...seats.values()].find((seat) => seat.resumeToken === msg.resume && seat.participant.userId === s.principal.userId)
      : undefined;
    if (resumed) {
      if (resumed.holdTimer !== null) deps.clock.clearTimeout(resumed.holdTimer);
      resumed.holdTimer = null;
      if (resumed.conn && resumed.conn !== s.conn) {
        const old = roomSockets.get(resumed.conn);
        if (old) old.seat = null;
        resumed.conn.close(CLOSE.CONFLICT, "Replaced by a newer connection");
      }
      resumed.conn = s.conn;
      s.seat = resumed;
      const wasAway = resumed.participant.connection === "reconnecting";
      resumed.participant.connection = "live";
      welcome(s);
      if (wasAway) broadcast({ type: "participant.updated", participant: resumed.participant }, s.conn);
      return media?.joined(resumed.participant.id);
    }
    if (seats.size >= limits.seatsPerRoom) return replyError(s.conn, "RATE_LIMITED", `The meeting is full (${limits.seatsPerRoom} people)`, msg.id);
    const given = msg.name?.trim() ? normalizeName(msg.name, { maxLength: MAX_NAME }) : null;
    if (given && !given.ok) return replyError(s.conn, "INVALID_ARGUMENT", given.message, msg.id);
    const name = given?.value ?? s.principal.username ?? "";
    if (!name) return replyError(s.conn, "INVALID_ARGUMENT", "Guests must give a name", msg.id);
    if (!s.principal.userId && takenByMember(name)) return replyError(s.conn, "CONFLICT", "Someone signed in here goes by that name; choose another", msg.id);
    // A genuine token this room has no seat for was issued by an earlier actor of the meeting (on
    // a node that died, or before a restart): the person comes back as the participant they were.
    const returning = msg.resume ? seatTokenId(seatKey, meeting.id, msg.resume, s.principal.userId) : null;
    const id = returning !== null && !seats.has(returning) && !control.isWaiting(returning) ? returning : newId();
    const admission = control.admission(s.principal, returning);
    if (admission.kind === "refuse") return s.conn.close(admission.code, admission.reason);
    if (admission.kind === "knock") {
      s.waiting = id;
      knocking.set(id, s);
      return control.knock({ id, name, conn: s.conn, principal: s.principal, removedBefore: admission.removedBefore });
    }
    seatParticipant(s, id, name);
  }

  /** Gives the socket its seat: `welcome` to it, `participant.joined` to the others. */
  function seatParticipant(s: RoomSocket, id: string, name: string) {
    const participant: Participant = {
      id,
      name,
      userId: s.principal.userId,
      role: control.roleOf(s.principal, id),
      audioMuted: false,
      audioMutedBy: null,
      videoMuted: false,
      handRaised: false,
      handRaisedAt: null,
      publishing: { camera: false, screen: false },
      connection: "live",
    };
    const seat: Seat = { participant, resumeToken: seatToken(seatKey, meeting.id, participant.id, participant.userId), conn: s.conn, holdTimer: null };
    seats.set(participant.id, seat);
    s.seat = seat;
    welcome(s);
    broadcast({ type: "participant.joined", participant }, s.conn);
    media?.joined(participant.id);
    memory?.joined(participant.id, participant);
    // Bookkeeping in the database runs outside the mailbox: the room does not wait for it.
    if (!startedRecorded) {
      startedRecorded = true;
      track(deps.records.markStarted(meeting.id), "recording the meeting's start");
    }
    if (participant.userId) track(deps.records.recordParticipant(meeting.id, participant.userId), "recording a participant");
  }

  /** Control state writes, one after another so the last one wins (they run outside the mailbox). */
  let controlWrites: Promise<unknown> = Promise.resolve();
  function saveControl(state: ControlState | null) {
    const save = deps.records.saveControl;
    if (!save) return;
    controlWrites = controlWrites.then(() => save(meeting.id, state)).catch((err) => log.error({ err }, "saving the meeting's control state failed"));
    track(controlWrites, "saving the meeting's control state");
  }

  /** Writes under way outside the mailbox; dispose lets them land before the meeting is marked ended. */
  const pendingWrites = new Set<Promise<unknown>>();
  function track(write: Promise<unknown>, what: string) {
    const p = write.catch((err) => log.error({ err }, `${what} failed`)).finally(() => pendingWrites.delete(p));
    pendingWrites.add(p);
  }

  /** Whether a signed-in participant (other than `except`) goes by `name`: a guest may not pass for them. */
  function takenByMember(name: string, except?: string) {
    const key = name.toLocaleLowerCase();
    for (const seat of seats.values()) {
      const q = seat.participant;
      if (q.id !== except && q.userId && q.name.toLocaleLowerCase() === key) return true;
    }
    return false;
  }

  function welcome(s: RoomSocket) {
    const seat = s.seat!;
    send(s.conn, {
      type: "welcome",
      self: seat.participant,
      participants: [...seats.values()].map((x) => x.participant),
      iceServers: deps.iceServers?.() ?? [],
      recording: recording?.current() ?? null,
      media: { available: media?.available ?? false },
      chat,
      resumeToken: seat.resumeToken,
      meeting: { code: meeting.code, title: meeting.title, teamId: meeting.teamId, canRename: title.mayRename(s.principal) },
      settings: control.settings(),
      ...(seat.participant.role === "host" ? { lobby: control.lobbyEntries() } : {}),
    });
  }

  function handleMessage(s: RoomSocket, msg: ClientMessage) {
    if (msg.type === "ping") return send(s.conn, { type: "pong", ...(msg.id !== undefined ? { id: msg.id } : {}) });
    if (msg.type === "hello") return hello(s, msg);
    if (s.waiting !== null) {
      if (msg.type !== "leave") return replyError(s.conn, "FORBIDDEN", "You are waiting to be let in", msg.id);
      const id = s.waiting;
      s.waiting = null;
      knocking.delete(id);
      control.knockGone(id);
      return s.conn.close(CLOSE.NORMAL, "Left the meeting");
    }
    const seat = s.seat;
    if (!seat) return replyError(s.conn, "INVALID_ARGUMENT", "Send hello first", msg.id);
    const p = seat.participant;
    if (isControlMessage(msg)) return control.handle(s.conn, p, msg);
    switch (msg.type) {
      case "presence": {
        if (msg.audioMuted === false && p.audioMuted) {
          const refused = control.selfUnmute(p);
          if (refused) return replyError(s.conn, "FORBIDDEN", refused, msg.id);
        }
        if (msg.audioMuted !== undefined) p.audioMuted = msg.audioMuted;
        if (msg.videoMuted !== undefined) p.videoMuted = msg.videoMuted;
        if (msg.handRaised !== undefined) {
          // Raising an already raised hand keeps its place in the queue.
          if (msg.handRaised && !p.handRaised) p.handRaisedAt = new Date(deps.clock.now()).toISOString();
          if (!msg.handRaised) p.handRaisedAt = null;
          p.handRaised = msg.handRaised;
        }
        if (msg.name !== undefined) {
          const name = normalizeName(msg.name, { maxLength: MAX_NAME });
          if (!name.ok) return replyError(s.conn, "INVALID_ARGUMENT", name.message, msg.id);
          if (!p.userId && takenByMember(name.value, p.id)) return replyError(s.conn, "CONFLICT", "Someone signed in here goes by that name; choose another", msg.id);
          p.name = name.value;
        }
        ack(s.conn, msg.id);
        return broadcast({ type: "participant.updated", participant: p });
      }
      case "chat": {
        const text = msg.text.trim();
        if (!text) return replyError(s.conn, "INVALID_ARGUMENT", "A chat message cannot be blank", msg.id);
        const message: ChatMessage = { from: p.id, name: p.name, text, at: new Date(deps.clock.now()).toISOString() };
        chat.push(message);
        if (chat.length > limits.chatHistory) chat.splice(0, chat.length - limits.chatHistory);
        ack(s.conn, msg.id);
        return broadcast({ type: "chat", ...message });
      }
      case "leave": {
        s.seat = null;
        endSeat(seat);
        return s.conn.close(CLOSE.NORMAL, "Left the meeting");
      }
      case "recording.start":
      case "recording.stop":
        if (!p.userId) return replyError(s.conn, "UNAUTHENTICATED", "Sign in to record this meeting", msg.id);
        if (!recording) return replyError(s.conn, "UNAVAILABLE", "Recording is not available on this server", msg.id);
        {
          // Database, folder and Janus work run outside the mailbox; the reply comes back through it.
          const conn = s.conn;
          const id = msg.id;
          const what = msg.type;
          (what === "recording.start" ? recording.start(p.id, p.userId) : recording.stop(p.userId)).then(
            () => mailbox.post(() => ack(conn, id), `${what} done`),
            (err) =>
              mailbox.post(() => {
                if (err instanceof AppError) return replyError(conn, err.code, err.message, id);
                log.error({ err }, `${what} failed`);
                replyError(conn, "INTERNAL", "Recording could not be switched; try again", id);
              }, `${what} failed`),
          );
          return;
        }
      case "media.publish":
        if (!media) return replyError(s.conn, "UNAVAILABLE", "Media is unavailable in this meeting", msg.id);
        return media.publish(p, s.conn, msg.kind, msg.sdp, msg.id);
      case "media.answer":
        if (!media) return replyError(s.conn, "UNAVAILABLE", "Media is unavailable in this meeting", msg.id);
        return media.answer(p, s.conn, msg.sdp, msg.id);
      case "media.view":
        if (!media) return replyError(s.conn, "UNAVAILABLE", "Media is unavailable in this meeting", msg.id);
        return media.view(p, s.conn, msg.streams, msg.cap, msg.id);
      case "media.keyframe":
        if (!media) return replyError(s.conn, "UNAVAILABLE", "Media is unavailable in this meeting", msg.id);
        return media.keyframe(p, s.conn, msg.mid, msg.id);
      case "media.unpublish":
        if (p.publishing[msg.kind]) {
          p.publishing[msg.kind] = false;
          broadcast({ type: "participant.updated", participant: p });
        }
        media?.unpublish(p, msg.kind);
        return ack(s.conn, msg.id);
      case "meeting.rename":
        return title.rename(s.conn, s.principal, p.id, msg);
      case "media.ice":
        // SDP is exchanged complete (non-trickle); candidates sent anyway are already in it.
        return ack(s.conn, msg.id);
    }
  }

  function roomFrame(s: RoomSocket, data: string | Uint8Array) {
    if (!roomSockets.has(s.conn)) return;
    // Floods are refused here, before they reach the mailbox.
    if (!s.bucket.take()) return s.conn.close(CLOSE.RATE_LIMITED, "Too many messages");
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > MAX_ROOM_FRAME) return s.conn.close(CLOSE.TOO_LARGE, "Message over 64 KB");
    if (typeof data !== "string") return badFrame(s, "Send JSON text frames");
    // Checked before parsing: parsing deep nesting is what costs (the whole process waits on it).
    if (nestsDeeperThan(data, MAX_ROOM_DEPTH)) return badFrame(s, `A message may nest at most ${MAX_ROOM_DEPTH} levels`);
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return badFrame(s, "A message must be JSON");
    }
    const parsed = parseClientMessage(value);
    if (!parsed.ok) return badFrame(s, parsed.message, parsed.id);
    mailbox.post(() => handleMessage(s, parsed.message), parsed.message.type);
  }

  function roomClosed(s: RoomSocket, code: number) {
    if (!roomSockets.delete(s.conn)) return;
    if (s.waiting !== null) {
      knocking.delete(s.waiting);
      control.knockGone(s.waiting);
      s.waiting = null;
    }
    const seat = s.seat;
    if (seat && seat.conn === s.conn) {
      seat.conn = null;
      if (isDeliberateClose(code)) endSeat(seat);
      else {
        // A dropped socket keeps its seat for the grace period; a resume token takes it back. The
        // others see the person as reconnecting meanwhile.
        seat.holdTimer = deps.clock.setTimeout(() => mailbox.post(() => endSeat(seat), "seat expired"), deps.graceMs);
        seat.participant.connection = "reconnecting";
        broadcast({ type: "participant.updated", participant: seat.participant });
      }
    }
    checkEmpty();
  }

  /** A host ended the meeting: everyone is told and closed (1000), and the room saves and goes. */
  function endMeeting(by: string) {
    const text = JSON.stringify({ type: "meeting.ended", by } satisfies ServerMessage);
    for (const conn of roomSockets.keys()) {
      conn.send(text);
      conn.close(CLOSE.NORMAL, "The meeting was ended by a host");
    }
    void dispose("ended");
  }

  function fenced() {
    log.warn("another node owns this room now; closing it here");
    void dispose("fenced");
  }

  async function start() {
    if (state !== "new") throw new Error(`room ${meeting.code} started twice`);
    state = "starting";
    if (deps.records.loadControl) {
      try {
        const saved = await deps.records.loadControl(meeting.id);
        if (saved) control.load(saved);
      } catch (err) {
        log.warn({ err }, "reading the meeting's settings failed; using what the socket brought");
      }
    }
    if (deps.media) {
      media = createRoomMedia(deps.media, {
        key: meeting.code,
        logger: log,
        seat: (id) => seats.get(id),
        seats: () => seats.values(),
        send,
        broadcast: (message) => broadcast(message),
        now: () => deps.clock.now(),
        post: (task, label) => mailbox.post(task, label),
        onFeedUp: () => recording?.publisherUp(),
        onTalking: (id, on) => {
          const seat = seats.get(id);
          if (seat) memory?.talking(id, seat.participant, on);
        },
      });
      await media.start();
    }
    if (deps.recordings && deps.recordingsDir) {
      recording = createRoomRecording({
        meeting,
        clock: deps.clock,
        logger: log,
        recordingsDir: deps.recordingsDir,
        records: deps.recordings,
        media: () => media,
        broadcast: (message) => broadcast(message),
      });
    }
    state = "live";
    checkEmpty();
  }

  /** Attaches a socket; throws if the room is closing (the caller loads it afresh). */
  function attach(channel: Channel, conn: Connection, principal: Principal): SocketSink {
    if (state !== "live") throw new RoomClosedError(meeting.code);
    const refused = channel === "notes" ? notesRefusal(principal) : control.refusal(principal);
    if (refused) {
      conn.close(refused.code, refused.reason);
      return { frame: () => undefined, closed: () => undefined };
    }
    clearEmptyTimer();
    if (channel === "notes") return notesSocket(conn, principal);
    const s: RoomSocket = { conn, principal, seat: null, waiting: null, bucket: createBucket(deps.clock, limits.messagesPerSecond, limits.burst), badFrames: 0 };
    roomSockets.set(conn, s);
    return {
      frame: (data) => roomFrame(s, data),
      closed: (code) => mailbox.post(() => roomClosed(s, code), "room closed"),
    };
  }

  /**
   * The notes belong to the people in the meeting: whoever would enter the room directly now (a
   * host, a member, a guest while the lobby is off) opens them; anyone else only with the token of
   * a seat a host let them in to (`principal.seat`), which a removal voids, or signed in as someone
   * seated here now.
   */
  function notesRefusal(principal: Principal): { code: number; reason: string } | null {
    const seatId = principal.seat ? seatTokenId(seatKey, meeting.id, principal.seat, principal.userId) : null;
    const admission = control.admission(principal, seatId);
    if (admission.kind !== "enter" && principal.userId && [...seats.values()].some((x) => x.participant.userId === principal.userId)) return null;
    if (admission.kind === "enter") return null;
    if (admission.kind === "refuse") return admission;
    return { code: CLOSE.FORBIDDEN, reason: "Wait until a host lets you in" };
  }

  /** Notes sockets by the seat (or signed-in user) they came with, so a removal closes them too. */
  const notesOwners = new Map<Connection, { seatId: string | null; userId: string | null }>();
  function notesSocket(conn: Connection, principal: Principal): SocketSink {
    const sink = notes.attach(conn);
    notesOwners.set(conn, { seatId: principal.seat ? seatTokenId(seatKey, meeting.id, principal.seat, principal.userId) : null, userId: principal.userId });
    return {
      frame: (data) => sink.frame(data),
      closed: (code) => {
        notesOwners.delete(conn);
        sink.closed(code);
      },
    };
  }
  function closeNotesOf(participant: Participant) {
    for (const [conn, owner] of notesOwners) {
      if (owner.seatId === participant.id || (participant.userId !== null && owner.userId === participant.userId)) conn.close(CLOSE.FORBIDDEN, "removed by a host");
    }
  }

  /** Saves and frees everything; nothing the room started keeps running afterwards. */
  function dispose(reason: "empty" | "fenced" | "shutdown" | "ended" = "shutdown"): Promise<void> {
    disposing ??= (async () => {
      const wasLive = state === "live";
      state = "disposing";
      clearEmptyTimer();
      for (const seat of seats.values()) if (seat.holdTimer !== null) deps.clock.clearTimeout(seat.holdTimer);
      const closeCode = reason === "empty" ? CLOSE.GOING_AWAY : reason === "ended" ? CLOSE.NORMAL : CLOSE.RESTART;
      const closeReason = reason === "fenced" ? "Room moved; reconnect" : "Room closed";
      for (const conn of roomSockets.keys()) conn.close(closeCode, closeReason);
      notes.closeAll(closeCode, closeReason);
      roomSockets.clear();
      notesOwners.clear();
      seats.clear();
      knocking.clear();
      control.clear();
      await mailbox.close();
      try {
        await recording?.stop("room");
        recording?.dispose();
        await media?.dispose();
        await notes.dispose();
        await memory?.dispose();
        await Promise.allSettled([...pendingWrites]);
        if (wasLive && reason !== "fenced" && startedRecorded) await deps.records.markEnded(meeting.id);
        // The lock, promotions and removals last while the meeting is live, wherever its room runs;
        // once it ends or empties, the next meeting in this room starts afresh.
        if (wasLive && (reason === "empty" || reason === "ended") && control.holdsState()) {
          saveControl(null);
          await controlWrites;
        }
      } catch (err) {
        log.error({ err }, "saving the room on dispose failed");
      } finally {
        media = null;
        recording = null;
        state = "disposed";
        deps.onDisposed?.();
      }
    })();
    return disposing;
  }

  return {
    code: meeting.code,
    meeting,
    start,
    attach,
    dispose,
    get state() {
      return state;
    },
    stats: () => ({
      participants: seats.size,
      sockets: roomSockets.size + notes.connectionCount,
      notesText: notes.text(),
    }),
  };
}

export type RoomActor = ReturnType<typeof createRoomActor>;

export class RoomClosedError extends Error {
  constructor(code: string) {
    super(`room ${code} is closing`);
    this.name = "RoomClosedError";
  }
}
