/**
 * Renaming the meeting from inside it (`meeting.rename {title}`): allowed to whoever may rename it
 * through the API (PATCH /api/meetings/:code) — its signed-in creator, or any member of a team
 * meeting's team — and no one else, a host promoted in the room included. The title is saved outside
 * the mailbox; once saved, everyone in the room gets `meeting.renamed {title, by}` and later joiners
 * the new title in their `welcome`.
 */
import type { Logger } from "pino";
import { normalizeName } from "../names.ts";
import type { Connection, Principal } from "./connection.ts";
import { MAX_TITLE, type ClientMessage, type ServerMessage } from "./protocol.ts";

export type RenameMessage = Extract<ClientMessage, { type: "meeting.rename" }>;

export interface TitleHost {
  meeting: { id: string; title: string; teamId: string | null };
  logger: Logger;
  /** Whether this person hosts the meeting by right (its creator, a team meeting's member). */
  hostsByRight(principal: Principal): boolean;
  /** The meeting has a creator or a team: one started signed out can be renamed by nobody. */
  owned(): boolean;
  /** Saves the title in the database; absent in tests without one. */
  save?(meetingId: string, title: string): Promise<void>;
  /** Runs `task` in the room's mailbox. */
  post(task: () => void, label: string): void;
  send(conn: Connection, message: ServerMessage): void;
  broadcast(message: ServerMessage): void;
  /** Tracks a write so that the room's disposal waits for it. */
  track(write: Promise<unknown>, what: string): void;
}

export function createRoomTitle(host: TitleHost) {
  let writes: Promise<unknown> = Promise.resolve();
  const reply = (conn: Connection, code: string, message: string, id?: string | number) =>
    host.send(conn, { type: "error", code, message, ...(id !== undefined ? { id } : {}) });

  /** Why this person may not rename the meeting, or null if they may. */
  function refusal(principal: Principal): string | null {
    if (!host.owned()) return "This meeting was started without signing in: nobody can rename it";
    if (!principal.userId) return host.meeting.teamId ? "Only the team's members can rename this meeting" : "Only the person who started this meeting can rename it";
    if (!host.hostsByRight(principal)) return host.meeting.teamId ? "Only the team's members can rename this meeting" : "Only the person who started this meeting can rename it";
    return null;
  }

  function rename(conn: Connection, principal: Principal, participantId: string, msg: RenameMessage) {
    const refused = refusal(principal);
    if (refused) return reply(conn, "FORBIDDEN", refused, msg.id);
    const checked = normalizeName(msg.title, { maxLength: MAX_TITLE });
    if (!checked.ok) return reply(conn, "INVALID_ARGUMENT", checked.message === "Enter a name" ? "Enter a title" : checked.message, msg.id);
    const title = checked.value;
    const done = () => {
      host.meeting.title = title;
      if (msg.id !== undefined) host.send(conn, { type: "ack", id: msg.id });
      host.broadcast({ type: "meeting.renamed", title, by: participantId });
    };
    if (!host.save) return done();
    const save = host.save;
    // Saved in the order asked, so the last rename is the title that stays.
    writes = writes.then(() => save(host.meeting.id, title)).then(
      () => host.post(done, "meeting renamed"),
      (err) =>
        host.post(() => {
          host.logger.error({ err }, "saving the meeting's title failed");
          reply(conn, "INTERNAL", "The meeting could not be renamed; try again", msg.id);
        }, "meeting rename failed"),
    );
    host.track(writes, "renaming the meeting");
  }

  return {
    /** Whether this person may rename the meeting (said in their `welcome`). */
    mayRename: (principal: Principal) => refusal(principal) === null,
    rename,
  };
}
