/**
 * What a person typed or pasted as a meeting code — the code itself in any case, with spaces, or
 * the whole meeting link — as the code for `/m/:code`, or null when it cannot be one. The server
 * has the final word (it forgives look-alike letters too).
 */
export function parseMeetingCode(input: string): string | null {
  const trimmed = input.trim();
  const fromLink = /\/m\/([^/?#\s]+)/.exec(trimmed)?.[1];
  const raw = (fromLink ?? trimmed).toLowerCase().replace(/\s+/g, "");
  if (!/^[0-9a-z-]{8,40}$/.test(raw)) return null;
  // Twelve symbols typed without their dashes: grouped as the server writes them.
  const bare = raw.replaceAll("-", "");
  return bare.length === 12 ? `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}` : raw;
}
