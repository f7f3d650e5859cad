/**
 * Finds duplicate keys in JSON text. `JSON.parse` silently keeps the last of
 * two equal keys, so `{"amountWh": 1, "amountWh": 900}` would reach the
 * handler as 900 while a log or a signer may have shown 1. One linear pass
 * over text already known to be valid JSON; strings are skipped with
 * `indexOf`, so the cost is a small fraction of `JSON.parse`'s.
 */

export interface DuplicateKey {
  key: string;
  /** JSONPath-like location of the object holding the key, e.g. `$.body.payload`. */
  path: string;
}

interface Frame {
  /** Keys seen so far; null for an array. */
  keys: Set<string> | null;
  path: string;
  /** Index of the current array element. */
  index: number;
  /** Object: the key last read, for child paths. */
  lastKey: string;
}

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  LBRACE = 0x7b,
  RBRACE = 0x7d,
  LBRACKET = 0x5b,
  RBRACKET = 0x5d,
  COMMA = 0x2c,
  COLON = 0x3a;

function childPath(frame: Frame | undefined): string {
  if (frame === undefined) return "$";
  if (frame.keys === null) return `${frame.path}[${frame.index}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(frame.lastKey)
    ? `${frame.path}.${frame.lastKey}`
    : `${frame.path}[${JSON.stringify(frame.lastKey)}]`;
}

/** End index (exclusive) of the string literal whose opening quote is at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let j = q - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/**
 * The first duplicate key in `text` (valid JSON), or null. Keys are compared
 * after unescaping, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKey(text: string): DuplicateKey | null {
  if (text.indexOf("{") < 0) return null;
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top !== undefined && top.keys !== null) {
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes("\\") ? JSON.parse(text.slice(i, end)) as string : raw;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = end - 1;
    } else if (ch === LBRACE || ch === LBRACKET) {
      const path = childPath(stack[stack.length - 1]);
      stack.push({ keys: ch === LBRACE ? new Set() : null, path, index: 0, lastKey: "" });
      expectKey = ch === LBRACE;
    } else if (ch === RBRACE || ch === RBRACKET) {
      stack.pop();
      expectKey = false;
    } else if (ch === COMMA) {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        if (top.keys === null) top.index++;
        else expectKey = true;
      }
    } else if (ch === COLON) {
      expectKey = false;
    }
  }
  return null;
}
