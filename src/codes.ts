/**
 * Shareable codes for meetings and teams: 12 symbols of Crockford's base32 (no i, l, o, u), so
 * 60 random bits, grouped for reading aloud: `k7fq-xm3t-rpzw`. Input is forgiving: case,
 * spaces and dashes are ignored, and the look-alikes o/i/l read as 0/1.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const LENGTH = 12;
const CANONICAL = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

/** A fresh random code in canonical form. */
export function generateCode(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(LENGTH));
  let raw = "";
  // 256 is a multiple of 32, so masking keeps every symbol equally likely.
  for (const byte of bytes) raw += ALPHABET[byte & 31];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
}

/** The canonical form of what a person typed, or null if it cannot be a code. */
export function normalizeCode(input: string): string | null {
  if (input.length > 64) return null;
  const raw = input.toLowerCase().replace(/[\s-]/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
  if (raw.length !== LENGTH) return null;
  const code = `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
  return CANONICAL.test(code) ? code : null;
}
