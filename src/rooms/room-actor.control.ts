/**
 * Meeting control inside the room actor (DESIGN.md §5 "Meeting control"): who hosts, who waits in
 * the lobby, lock, remove, mute (enforced in the SFU), unmute requests, lowering every hand, ending
 * the meeting, reactions. Every rule is checked here, in the room's mailbox; nothing here awaits
 * I/O — Janus and the database are asked outside and their failures only logged.
 */
import type { Logger } from "pino";
import type { Clock } from "./clock.ts";
import { CLOSE, type Connection, type Principal } from "./connection.ts";
import { createBucket, type Bucket } from "./rate-limit.ts";
import type { ClientMessage, LobbyEntry, MeetingSettings, Participant, Role, ServerMessage } from "./protocol.ts";

/** Reactions a participant may send: one a second sustained, five at once. */
export const REACTION_RATE = { perSecond: 1, burst: 5 };

export type ControlMessage = Extract<
  ClientMessage,
  {
    type:
      | "lobby.admit"
      | "lobby.deny"
      | "lobby.admit-all"
      | "meeting.settings"
      | "participant.mute"
      | "participant.remove"
      | "participant.promote"
      | "media.unmute-request"
      | "hands.lower-all"
      | "meeting.end"
      | "reaction";
  }
>;

const CONTROL_TYPES = new Set<string>([
  "lobby.admit",
  "lobby.deny",
  "lobby.admit-all",
  "meeting.settings",
  "participant.mute",
  "participant.remove",
  "participant.promote",
  "media.unmute-request",
  "hands.lower-all",
  "meeting.end",
  "reaction",
]);
export const isControlMessage = (m: ClientMessage): m is ControlMessage => CONTROL_TYPES.has(m.type);

/** A seat as control sees it. */
export interface ControlSeat {
  participant: Participant;
  conn: Connection | null;
}

/** A knocking socket, until a host admits or denies it (or it goes). */
export interface Knock {
  entry: LobbyEntry;
  conn: Connection;
  principal: Principal;
}

/** What control needs from the actor. */
export interface ControlHost {
  meeting: { id: string; teamId: string | null; createdBy?: string | null; lobby?: boolean; selfUnmute?: boolean };
  clock: Clock;
  logger: Logger;
  seats(): Iterable<ControlSeat>;
  seat(participantId: string): ControlSeat | undefined;
  send(conn: Connection, message: ServerMessage): void;
  broadcast(message: ServerMessage): void;
  /** Seats a knock a host admitted; returns an error message if it cannot (the meeting is full). */
  admit(knock: Knock): string | null;
  /** Ends a seat at once (removed): media released, `participant.left` to the others. */
  endSeat(participantId: string): void;
  /** Ends the live meeting: every socket closed, the room disposed. */
  end(by: string): void;
  /** The SFU's enforcement of a host's mute (a promise: runs outside the mailbox). */
  muteAudio(participantId: string, muted: boolean): Promise<void> | undefined;
  saveSettings(settings: { lobby: boolean; selfUnmute: boolean }): void;
  /** The lock, promotions and removals changed: saved (outside the mailbox) so a reloaded room keeps them. */
  saveControl?(state: ControlState): void;
}

/** What a room keeps of its hosts' decisions when it moves to another node or the process restarts. */
export interface ControlState {
  locked: boolean;
  promotedIds: string[];
  promotedUsers: string[];
  removedIds: string[];
  removedUsers: string[];
}

/** How a `hello` without a seat to resume is answered. */
export type Admission = { kind: "enter" } | { kind: "knock"; removedBefore: boolean } | { kind: "refuse"; code: number; reason: string };

export function createRoomControl(host: ControlHost) {
  const { meeting } = host;
  const settings: MeetingSettings = { lobby: meeting.lobby ?? false, locked: false, selfUnmute: meeting.selfUnmute ?? true };
  const lobby = new Map<string, Knock>();
  /** Removed during this live meeting: participant ids (their resume tokens) and signed-in users. */
  const removedIds = new Set<string>();
  const removedUsers = new Set<string>();
  /** Promoted to host for the meeting's life. */
  const promotedIds = new Set<string>();
  const promotedUsers = new Set<string>();
  /** Muted by a host and then asked by a host to unmute: they may, once. */
  const unmuteAllowed = new Set<string>();
  const reactionBuckets = new Map<string, Bucket>();
  /** Participants who host by right (the creator, a team's members): they cannot be removed. */
  const byRight = new Set<string>();

  let creatorless = !meeting.createdBy && !meeting.teamId;
  let createdBy = meeting.createdBy ?? null;
  const hostByRight = (p: Principal) => !!p.userId && (p.userId === createdBy || (!!meeting.teamId && p.teamMember === true));
  const isOutsider = (p: Principal) => !!meeting.teamId && p.teamMember !== true;
  const hostSeats = () => [...host.seats()].filter((s) => s.participant.role === "host");
  const toHosts = (message: ServerMessage) => {
    for (const s of hostSeats()) if (s.conn) host.send(s.conn, message);
  };
  const reply = (conn: Connection, code: string, message: string, id?: string | number) =>
    host.send(conn, { type: "error", code, message, ...(id !== undefined ? { id } : {}) });
  const ack = (conn: Connection, id?: string | number) => id !== undefined && host.send(conn, { type: "ack", id });
  const updated = (p: Participant) => host.broadcast({ type: "participant.updated", participant: p });

  const snapshot = (): ControlState => ({
    locked: settings.locked,
    promotedIds: [...promotedIds],
    promotedUsers: [...promotedUsers],
    removedIds: [...removedIds],
    removedUsers: [...removedUsers],
  });
  let saved = JSON.stringify(snapshot());
  /** Saves the state if it changed since the last save (or load). */
  function changed() {
    const now = snapshot();
    const text = JSON.stringify(now);
    if (text === saved) return;
    saved = text;
    host.saveControl?.(now);
  }

  function roleOf(principal: Principal, participantId: string): Role {
    if (hostByRight(principal)) byRight.add(participantId);
    // A meeting nobody owns is hosted by whoever is in it: the first one in hosts it.
    if (creatorless && hostSeats().length === 0) {
      promotedIds.add(participantId);
      if (principal.userId) promotedUsers.add(principal.userId);
      changed();
    }
    if (hostByRight(principal) || promotedIds.has(participantId) || (principal.userId && promotedUsers.has(principal.userId))) return "host";
    return principal.userId ? "member" : "guest";
  }

  /**
   * Whether a socket may open at all. A team meeting's outsiders are refused as before (401 signed
   * out, 403 not a member) unless its lobby is on; then they may knock.
   */
  function refusal(principal: Principal): { code: number; reason: string } | null {
    if (!isOutsider(principal) || settings.lobby) return null;
    return principal.userId
      ? { code: CLOSE.FORBIDDEN, reason: "Only members of this meeting's team can join" }
      : { code: CLOSE.UNAUTHENTICATED, reason: "This is a team meeting: sign in to join" };
  }

  /** Whether a newcomer (no seat of theirs in the room) enters, knocks or is refused. `returning`: a genuine earlier token's id. */
  function admission(principal: Principal, returning: string | null): Admission {
    if (hostByRight(principal)) return { kind: "enter" };
    const removed = (returning !== null && removedIds.has(returning)) || (!!principal.userId && removedUsers.has(principal.userId));
    if (!removed && ((returning !== null && promotedIds.has(returning)) || (principal.userId && promotedUsers.has(principal.userId)))) return { kind: "enter" };
    const refused = refusal(principal);
    if (refused) return { kind: "refuse", ...refused };
    // Someone with a genuine token of this meeting was let in before (a seat that expired, a room reloaded elsewhere).
    if (returning !== null && !removed) return { kind: "enter" };
    if (settings.locked) return { kind: "refuse", code: CLOSE.LOCKED, reason: "locked" };
    // A meeting nobody owns (started signed out) is hosted by whoever is in it: with no one there, the next one in hosts it.
    if (creatorless && !removed && hostSeats().length === 0) return { kind: "enter" };
    if (removed || settings.lobby || isOutsider(principal)) return { kind: "knock", removedBefore: removed };
    return { kind: "enter" };
  }

  function knock(k: Omit<Knock, "entry"> & { id: string; name: string; removedBefore: boolean }) {
    const entry: LobbyEntry = { id: k.id, name: k.name, since: new Date(host.clock.now()).toISOString(), signedIn: !!k.principal.userId, removedBefore: k.removedBefore };
    lobby.set(entry.id, { entry, conn: k.conn, principal: k.principal });
    host.send(k.conn, { type: "lobby.waiting" });
    toHosts({ type: "lobby.knock", entry });
  }

  /** A knocking socket closed or left. */
  function knockGone(id: string) {
    if (lobby.delete(id)) toHosts({ type: "lobby.left", id, outcome: "left" });
  }

  /** A seat came or went: a meeting nobody owns always has a host while someone is in it. */
  function ensureHost() {
    if (!creatorless || hostSeats().length > 0) return;
    const first = [...host.seats()][0];
    if (first) promote(first);
  }

  function promote(seat: ControlSeat) {
    const p = seat.participant;
    if (p.role === "host") return;
    promotedIds.add(p.id);
    if (p.userId) promotedUsers.add(p.userId);
    changed();
    p.role = "host";
    updated(p);
    if (seat.conn) for (const k of lobby.values()) host.send(seat.conn, { type: "lobby.knock", entry: k.entry });
  }

  function enforceMute(participantId: string, muted: boolean) {
    host.muteAudio(participantId, muted)?.catch((err) => host.logger.warn({ err, participantId }, muted ? "muting in the SFU failed" : "unmuting in the SFU failed"));
  }

  function hostMute(by: Participant, target: Participant) {
    if (target.audioMutedBy !== null && target.audioMuted) return;
    target.audioMuted = true;
    target.audioMutedBy = by.id;
    unmuteAllowed.delete(target.id);
    enforceMute(target.id, true);
    updated(target);
  }

  function admit(conn: Connection, id: string, requestId?: string | number): boolean {
    const k = lobby.get(id);
    if (!k) {
      reply(conn, "NOT_FOUND", "Nobody with that id is waiting", requestId);
      return false;
    }
    const failed = host.admit(k);
    if (failed) {
      reply(conn, "RATE_LIMITED", failed, requestId);
      return false;
    }
    lobby.delete(id);
    removedIds.delete(id);
    if (k.principal.userId) removedUsers.delete(k.principal.userId);
    changed();
    toHosts({ type: "lobby.left", id, outcome: "admitted" });
    return true;
  }

  /** A control message from a seated participant. */
  function handle(conn: Connection, me: Participant, msg: ControlMessage) {
    if (msg.type === "reaction") {
      let bucket = reactionBuckets.get(me.id);
      if (!bucket) reactionBuckets.set(me.id, (bucket = createBucket(host.clock, REACTION_RATE.perSecond, REACTION_RATE.burst)));
      if (!bucket.take()) return reply(conn, "RATE_LIMITED", "Too many reactions; wait a moment", msg.id);
      ack(conn, msg.id);
      return host.broadcast({ type: "reaction", participantId: me.id, emoji: msg.emoji });
    }
    if (me.role !== "host") return reply(conn, "FORBIDDEN", "Only a host can do that", msg.id);
    const target = (id: string) => {
      const seat = host.seat(id);
      if (!seat) reply(conn, "NOT_FOUND", "That person is not in the meeting", msg.id);
      return seat;
    };
    switch (msg.type) {
      case "lobby.admit":
        if (admit(conn, msg.participantId, msg.id)) ack(conn, msg.id);
        return;
      case "lobby.admit-all": {
        for (const id of [...lobby.keys()]) if (!admit(conn, id, msg.id)) return;
        return ack(conn, msg.id);
      }
      case "lobby.deny": {
        const k = lobby.get(msg.participantId);
        if (!k) return reply(conn, "NOT_FOUND", "Nobody with that id is waiting", msg.id);
        lobby.delete(msg.participantId);
        k.conn.close(CLOSE.FORBIDDEN, "denied");
        toHosts({ type: "lobby.left", id: msg.participantId, outcome: "denied" });
        return ack(conn, msg.id);
      }
      case "meeting.settings": {
        const before = { ...settings };
        if (msg.lobby !== undefined) settings.lobby = msg.lobby;
        if (msg.locked !== undefined) settings.locked = msg.locked;
        if (msg.selfUnmute !== undefined) settings.selfUnmute = msg.selfUnmute;
        ack(conn, msg.id);
        if (before.lobby === settings.lobby && before.locked === settings.locked && before.selfUnmute === settings.selfUnmute) return;
        host.broadcast({ type: "meeting.updated", settings: { ...settings } });
        changed();
        if (before.lobby !== settings.lobby || before.selfUnmute !== settings.selfUnmute) host.saveSettings({ lobby: settings.lobby, selfUnmute: settings.selfUnmute });
        return;
      }
      case "participant.mute": {
        if ("all" in msg) {
          for (const s of [...host.seats()]) if (s.participant.role !== "host") hostMute(me, s.participant);
          return ack(conn, msg.id);
        }
        const seat = target(msg.participantId);
        if (!seat) return;
        hostMute(me, seat.participant);
        return ack(conn, msg.id);
      }
      case "media.unmute-request": {
        const seat = target(msg.participantId);
        if (!seat) return;
        if (!seat.participant.audioMuted) return reply(conn, "CONFLICT", `${seat.participant.name} is not muted`, msg.id);
        unmuteAllowed.add(seat.participant.id);
        if (seat.conn) host.send(seat.conn, { type: "media.unmute-request", from: me.id });
        return ack(conn, msg.id);
      }
      case "participant.remove": {
        if (msg.participantId === me.id) return reply(conn, "INVALID_ARGUMENT", "To go, leave the meeting", msg.id);
        const seat = target(msg.participantId);
        if (!seat) return;
        const p = seat.participant;
        if (byRight.has(p.id)) {
          return reply(conn, "FORBIDDEN", `${p.name} hosts this meeting and cannot be removed`, msg.id);
        }
        removedIds.add(p.id);
        if (p.userId) removedUsers.add(p.userId);
        promotedIds.delete(p.id);
        if (p.userId) promotedUsers.delete(p.userId);
        unmuteAllowed.delete(p.id);
        changed();
        const c = seat.conn;
        host.endSeat(p.id);
        c?.close(CLOSE.FORBIDDEN, "removed by a host");
        return ack(conn, msg.id);
      }
      case "participant.promote": {
        const seat = target(msg.participantId);
        if (!seat) return;
        promote(seat);
        return ack(conn, msg.id);
      }
      case "hands.lower-all": {
        for (const s of host.seats()) {
          if (!s.participant.handRaised) continue;
          s.participant.handRaised = false;
          s.participant.handRaisedAt = null;
          updated(s.participant);
        }
        return ack(conn, msg.id);
      }
      case "meeting.end":
        ack(conn, msg.id);
        return host.end(me.id);
    }
  }

  /**
   * A participant's own `presence {audioMuted: false}`: refused while a host's mute holds (unless the
   * meeting lets people unmute themselves, or a host asked them to); lifts the SFU's mute when allowed.
   */
  function selfUnmute(p: Participant): string | null {
    if (p.audioMutedBy === null) return null;
    if (p.role !== "host" && !settings.selfUnmute && !unmuteAllowed.has(p.id)) return "A host muted you: you can unmute when a host asks you to";
    p.audioMutedBy = null;
    unmuteAllowed.delete(p.id);
    enforceMute(p.id, false);
    return null;
  }

  return {
    /** The meeting as saved, read before the room goes live. */
    /** What the database holds for the meeting, read as the room loads (a moved or restarted room carries on). */
    load(from: { createdBy: string | null; lobby: boolean; selfUnmute: boolean; locked?: boolean; control?: Omit<ControlState, "locked"> | null }) {
      createdBy = from.createdBy;
      creatorless = !createdBy && !meeting.teamId;
      settings.lobby = from.lobby;
      settings.selfUnmute = from.selfUnmute;
      settings.locked = from.locked ?? false;
      for (const id of from.control?.promotedIds ?? []) promotedIds.add(id);
      for (const id of from.control?.promotedUsers ?? []) promotedUsers.add(id);
      for (const id of from.control?.removedIds ?? []) removedIds.add(id);
      for (const id of from.control?.removedUsers ?? []) removedUsers.add(id);
      saved = JSON.stringify(snapshot());
    },
    /** Whether there is anything to forget when the meeting ends. */
    holdsState: () => saved !== JSON.stringify({ locked: false, promotedIds: [], promotedUsers: [], removedIds: [], removedUsers: [] }),
    settings: () => ({ ...settings }),
    lobbyEntries: () => [...lobby.values()].map((k) => k.entry),
    isWaiting: (id: string) => lobby.has(id),
    roleOf,
    /** Hosts by right: the signed-in creator, a team meeting's members (who may also rename it). */
    hostsByRight: (principal: Principal) => hostByRight(principal),
    /** The meeting has a creator or a team (one started signed out has neither). */
    owned: () => !creatorless,
    refusal,
    admission,
    knock,
    knockGone,
    ensureHost,
    handle,
    selfUnmute,
    /** The seat is gone: forget what was kept for it (not its removal, nor its promotion). */
    seatEnded(id: string) {
      reactionBuckets.delete(id);
      unmuteAllowed.delete(id);
    },
    /** Every knocking socket, to tell when the meeting ends. */
    knocks: () => [...lobby.values()],
    clear() {
      lobby.clear();
      reactionBuckets.clear();
    },
  };
}

export type RoomControl = ReturnType<typeof createRoomControl>;
