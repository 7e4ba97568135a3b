/**
 * Awareness updates (y-protocols' cursor and name states) as the server lets them through. The stock
 * server relays them unread, so a guest could set `user.color` to CSS that the editor writes into
 * everyone else's `style` attribute, or overwrite another client's entry with a forged name. Here
 * each entry is checked before it is applied: a socket may only set or remove the client ids it
 * introduced itself, and a state must be what the Dictate editor sends — a name, a `#rrggbb`
 * colour, a cursor of two relative positions — in at most 1 KB. Anything else is dropped.
 */
import { Type as T } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { nestsDeeperThan } from "../json-depth.ts";

/** The longest state (its JSON) accepted. */
export const MAX_AWARENESS_STATE = 1024;
export const MAX_AWARENESS_NAME = 64;

const closed = { additionalProperties: false } as const;
const Counter = T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const YId = T.Object({ client: Counter, clock: Counter }, closed);
/** Y.RelativePosition as JSON.stringify writes it. */
const RelativePosition = T.Object(
  {
    type: T.Optional(T.Union([YId, T.Null()])),
    tname: T.Optional(T.Union([T.String({ maxLength: 64 }), T.Null()])),
    item: T.Optional(T.Union([YId, T.Null()])),
    assoc: T.Optional(T.Integer({ minimum: -1, maximum: 1 })),
  },
  closed,
);
const State = T.Object(
  {
    user: T.Optional(
      T.Object(
        {
          name: T.String({ minLength: 1, maxLength: MAX_AWARENESS_NAME }),
          color: T.Optional(T.String({ pattern: "^#[0-9a-fA-F]{6}$" })),
          colorLight: T.Optional(T.String({ pattern: "^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$" })),
        },
        closed,
      ),
    ),
    cursor: T.Optional(T.Union([T.Null(), T.Object({ anchor: RelativePosition, head: RelativePosition }, closed)])),
  },
  closed,
);
const checkState = TypeCompiler.Compile(State);
/** As for display names: no control, format (bidi, zero-width) or line/paragraph separator characters. */
const UNSAFE_IN_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

interface Entry {
  clientId: number;
  clock: number;
  json: string;
}

/** Whether a state's JSON is one the editor sends (or `null`: the client went away). */
export function validAwarenessState(json: string): boolean {
  if (json === "null") return true;
  if (json.length > MAX_AWARENESS_STATE || nestsDeeperThan(json, 6)) return false;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return false;
  }
  if (!checkState.Check(value)) return false;
  const name = (value as { user?: { name: string } }).user?.name;
  return name === undefined || !UNSAFE_IN_NAME.test(name);
}

/**
 * The part of an awareness update that `owner` may apply: entries for client ids it already
 * controls, or new ids nobody else controls, with valid states. Throws on bytes that do not decode.
 * Returns null when nothing is left.
 */
export function filterAwarenessUpdate(update: Uint8Array, mayTouch: (clientId: number) => boolean): Uint8Array | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const kept: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    if (mayTouch(clientId) && validAwarenessState(json)) kept.push({ clientId, clock, json });
  }
  if (kept.length === 0) return null;
  if (kept.length === count) return update;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, kept.length);
  for (const k of kept) {
    encoding.writeVarUint(e, k.clientId);
    encoding.writeVarUint(e, k.clock);
    encoding.writeVarString(e, k.json);
  }
  return encoding.toUint8Array(e);
}
