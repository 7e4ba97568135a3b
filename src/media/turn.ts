import { createHmac } from "node:crypto";

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * Time-limited TURN credentials as coturn's `use-auth-secret` expects (the "TURN REST API"):
 * username `<expiry unix seconds>:<label>`, password base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(turn: { urls: string[]; secret: string }, label: string, now = Date.now(), ttlSeconds = 6 * 3600): IceServer {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${label.replace(/:/g, "")}`;
  const credential = createHmac("sha1", turn.secret).update(username).digest("base64");
  return { urls: turn.urls, username, credential };
}
