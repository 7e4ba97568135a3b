/**
 * The security headers every response carries — pages, API, errors, exports, recording media —
 * built once from the configuration at start.
 */
import type { Config } from "../config.ts";

/**
 * The header set for this deployment: a strict Content-Security-Policy, nosniff, same-origin
 * referrers (meeting codes are secrets in URLs), camera/microphone/screen capture for this origin
 * only, no framing, and HSTS when the app is reached over https.
 */
export function securityHeaders(config: Pick<Config, "publicUrl" | "s3">): Readonly<Record<string, string>> {
  const publicUrl = new URL(config.publicUrl);
  const https = publicUrl.protocol === "https:";
  const socketOrigin = `${https ? "wss" : "ws"}://${publicUrl.host}`;
  const storage = config.s3 ? (config.s3.publicEndpoint ?? config.s3.endpoint) : null;
  const media = ["'self'", "blob:", ...(storage ? [new URL(storage).origin] : [])];
  const csp = [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets this origin's own WebAssembly compile (background blur's MediaPipe,
    // noise suppression's RNNoise); it allows no eval() of JavaScript and no script from elsewhere.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    // The notes editor needs inline styles, and only it. CodeMirror's style-mod puts its themes in a
    // <style> element when mounted in a document (it adopts stylesheets only in a shadow root), and
    // y-codemirror.next writes each remote cursor's colour into `style` attributes (setAttribute),
    // which no hash can cover; a nonce would have to change per response, and the pages are one
    // cached bundle. Styles can run no script, url() loads stay on this origin (img-src, font-src),
    // and the notes socket accepts only #rrggbb colours. The rest of the app sets none.
    "style-src-elem 'self' 'unsafe-inline'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `media-src ${media.join(" ")}`,
    `connect-src 'self' ${socketOrigin}`,
    "font-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return Object.freeze({
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(self), display-capture=(self)",
    "x-frame-options": "DENY",
    ...(https ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  });
}

/** The generated API reference's viewer (Scalar) is a script from its CDN plus an inline start-up script. */
const DOCS_VIEWER = "https://cdn.jsdelivr.net";

/**
 * The same headers for the API reference page (`/api/docs`) only: it may run the viewer's script
 * from its CDN and its inline start-up script. It shows the OpenAPI document, nothing of a user's.
 */
export function docsPageHeaders(base: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline' ${DOCS_VIEWER}`,
    `style-src 'self' 'unsafe-inline' ${DOCS_VIEWER}`,
    `font-src 'self' data: ${DOCS_VIEWER}`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return Object.freeze({ ...base, "content-security-policy": csp });
}
