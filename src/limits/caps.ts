import type { RateCounter } from "../auth/index.ts";
import type { AbuseCaps } from "../config.ts";
import { AppError } from "../errors.ts";

export type CappedAction = "signup" | "meeting" | "socket";

interface Window {
  name: string;
  ms: number;
  limit: (c: AbuseCaps) => number;
}

/**
 * Each action's windows. Socket opens are also capped over 5 s (a twelfth of the minute's), so a
 * burst cannot open the whole minute's worth at once: 300 opens in one second (each a database
 * look-up) held a bystander meeting's notes p99 at ~190 ms in bench/abuse.ts.
 */
const WINDOWS: Record<CappedAction, { windows: Window[]; what: string }> = {
  signup: { windows: [{ name: "h", ms: 3_600_000, limit: (c) => c.signupsPerHour }], what: "Too many sign-ups from your address" },
  meeting: { windows: [{ name: "h", ms: 3_600_000, limit: (c) => c.meetingsPerHour }], what: "Too many new meetings from your address" },
  socket: {
    windows: [
      { name: "m", ms: 60_000, limit: (c) => c.socketsPerMinute },
      { name: "5s", ms: 5_000, limit: (c) => Math.ceil(c.socketsPerMinute / 12) },
    ],
    what: "Too many connections from your address",
  },
};

/**
 * Per-address caps on what costs the server most when anyone may do it: signing up (each hashes a
 * password with 64 MB of argon2), creating meetings, opening sockets; and how many rooms one address
 * may hold open as a guest. Counted in fixed windows in memory, or in Redis when the nodes share it
 * (the login limiter's counters), so spreading over nodes does not help.
 */
export function createCaps(counter: RateCounter, caps: AbuseCaps) {
  /** Guest room sockets open on this node, per address and room code. */
  const guestRooms = new Map<string, Map<string, number>>();

  return {
    caps,
    /** Counts one `action` from `address`; throws RATE_LIMITED with Retry-After past the cap. */
    async take(action: CappedAction, address: string): Promise<void> {
      const { windows, what } = WINDOWS[action];
      for (const w of windows) {
        const limit = w.limit(caps);
        if (limit === 0) return;
        const key = `cap:${action}:${w.name}:${address}`;
        const count = await counter.hit(key, w.ms);
        if (count <= limit) continue;
        const retryAfter = Math.max(1, Math.ceil((await counter.ttl(key)) / 1000));
        throw new AppError("RATE_LIMITED", `${what}; try again in ${retryAfter} s`, { headers: { "retry-after": String(retryAfter) } });
      }
    },

    /**
     * A guest's room socket from `address` opens on `code`: refused (RATE_LIMITED) when the address
     * already holds the most rooms it may; call the returned release when the socket closes.
     */
    enterAsGuest(address: string, code: string): () => void {
      const limit = caps.guestRoomsPerAddress;
      const rooms = guestRooms.get(address) ?? new Map<string, number>();
      if (limit > 0 && !rooms.has(code) && rooms.size >= limit) {
        throw new AppError("RATE_LIMITED", `Your address is already in ${limit} meetings as a guest`);
      }
      rooms.set(code, (rooms.get(code) ?? 0) + 1);
      guestRooms.set(address, rooms);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const n = (rooms.get(code) ?? 1) - 1;
        if (n > 0) rooms.set(code, n);
        else rooms.delete(code);
        if (rooms.size === 0 && guestRooms.get(address) === rooms) guestRooms.delete(address);
      };
    },
  };
}

export type Caps = ReturnType<typeof createCaps>;
