/**
 * Environment for a Dictate server under a load generator: every simulated person connects from
 * 127.0.0.1, so the per-address caps (which would stop a real crowd behind one address far sooner)
 * are turned off, and the seat cap raised. Benchmarks that measure the caps set their own.
 */
export const LOAD_GENERATOR_ENV: Record<string, string> = {
  SIGNUPS_PER_HOUR: "0",
  MEETINGS_PER_HOUR: "0",
  SOCKETS_PER_MINUTE: "0",
  GUEST_ROOMS_PER_ADDRESS: "0",
  MAX_SEATS_PER_ROOM: "10000",
};
