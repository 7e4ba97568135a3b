/**
 * Argon2id through Bun's built-in hasher; the hash string carries its own parameters. Each hash
 * takes ~64 MB and a core for ~150 ms, so hashes run on all cores but one: a storm of sign-ups or
 * log-ins then waits its turn instead of taking every core from the meetings (bench/abuse.ts, two
 * cores: with eight at once, a bystander meeting's chat p99 went from 3 ms to ~230 ms).
 */
import { availableParallelism } from "node:os";

const MAX_CONCURRENT_HASHES = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    // The slot passes straight to the next in line, so `running` stays counted for it.
    if (next) next();
    else running--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return oneAtATime(() => Bun.password.hash(password, { algorithm: "argon2id" }));
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await oneAtATime(() => Bun.password.verify(password, hash));
  } catch {
    return false;
  }
}

/** A hash that no password matches, to spend the same time on unknown emails as on known ones. */
let dummyHash: Promise<string> | undefined;
export function timingDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}
