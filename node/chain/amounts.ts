/** Integer amount arithmetic that refuses to leave the safe-integer range. */
import { ChainError } from "./errors.ts";

/** a + b, or ChainError OVERFLOW naming `field` if the sum is not a safe integer. */
export function addChecked(a: number, b: number, field: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new ChainError(
      "OVERFLOW",
      `Amount overflow: ${a} + ${b} exceeds ${Number.MAX_SAFE_INTEGER}`,
      field,
    );
  }
  return sum;
}
