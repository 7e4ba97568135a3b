/** Byte ranges for `BlobStore.read`, checked the same way by every store. */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Throws a RangeError unless `start` and `end` are whole numbers with 0 ≤ start ≤ end. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range: ${JSON.stringify(range)}`);
  }
}

/**
 * The part of `range` an object of `size` bytes holds: `end` past the last byte is cut to the last
 * byte (as HTTP does); a `start` past the last byte is not satisfiable and throws a RangeError.
 */
export function clampByteRange(range: ByteRange, size: number): ByteRange {
  assertByteRange(range);
  if (range.start >= size) {
    throw new RangeError(`Range not satisfiable: bytes=${range.start}-${range.end} of a ${size}-byte object`);
  }
  return { start: range.start, end: Math.min(range.end, size - 1) };
}
