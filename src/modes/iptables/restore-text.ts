// A line buffer for iptables-restore input, as upstream's proxyutil.LineBuffer: rules are
// appended as finished lines and joined once at the end, so a 400k-line payload costs one join.

export class LineBuffer {
  readonly #lines: string[] = [];

  /** Appends one line; `words` are joined with single spaces (the caller quotes comments). */
  write(...words: readonly string[]): void {
    this.#lines.push(words.join(' '));
  }

  /** Appends one already formatted line (the fast path). */
  writeLine(line: string): void {
    this.#lines.push(line);
  }

  /** Appends every line of another buffer. */
  append(other: LineBuffer): void {
    for (const line of other.#lines) this.#lines.push(line);
  }

  get lineCount(): number {
    return this.#lines.length;
  }

  lines(): readonly string[] {
    return this.#lines;
  }
}

/** `:CHAIN - [0:0]`: declares (creates or flushes) a chain in an iptables-restore payload. */
export function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

/** Joins table sections into one payload: `*table`, the lines of each part in order, `COMMIT`. */
export function joinTables(
  sections: readonly { readonly table: string; readonly parts: readonly (readonly string[])[] }[],
): string {
  const chunks: string[] = [];
  for (const section of sections) {
    chunks.push(`*${section.table}`);
    for (const part of section.parts) if (part.length > 0) chunks.push(part.join('\n'));
    chunks.push('COMMIT');
  }
  return chunks.join('\n') + '\n';
}
