// A line buffer for iptables-restore input, as upstream's proxyutil.LineBuffer. Lines are
// joined a chunk at a time: a chunk is large enough to go straight to V8's large-object space
// (never copied by the young-generation GC), and small enough that the pending lines, each a
// short-lived rope of template pieces, die young. The chunks themselves are copied only once
// more, when the whole payload is made flat (see joinTables).

export class LineBuffer {
  static readonly CHUNK_LINES = 4096;
  readonly #chunks: string[] = [];
  readonly #lines: string[] = [];
  #lineCount = 0;

  /** Appends one finished line (without its newline). */
  writeLine(line: string): void {
    this.#lines.push(line);
    this.#lineCount++;
    if (this.#lines.length >= LineBuffer.CHUNK_LINES) this.#seal();
  }

  /** Appends every line of another buffer (sharing its chunks, not copying them). */
  append(other: LineBuffer): void {
    this.#seal();
    other.#seal();
    for (const chunk of other.#chunks) this.#chunks.push(chunk);
    this.#lineCount += other.#lineCount;
  }

  get lineCount(): number {
    return this.#lineCount;
  }

  /** The buffer's lines, each ending in '\n'. */
  text(): string {
    return this.chunks().join('');
  }

  /** The buffer's text in pieces, in order; concatenated they are `text()`. */
  chunks(): readonly string[] {
    this.#seal();
    return this.#chunks;
  }

  #seal(): void {
    if (this.#lines.length === 0) return;
    this.#lines.push('');
    this.#chunks.push(this.#lines.join('\n'));
    // join copied the lines: the array (already grown to a chunk) is reused for the next one.
    this.#lines.length = 0;
  }
}

/** `:CHAIN - [0:0]`: declares (creates or flushes) a chain in an iptables-restore payload. */
export function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

/**
 * Joins table sections into one payload: `*table`, each buffer's lines in order, `COMMIT`.
 * The result is deliberately left as a V8 rope of the buffers' chunks (string `+` does not
 * copy): a full 10k-service payload is 33 MB, and `kpx render` prefixes it with a header, so
 * flattening here would copy it once more for nothing. V8 flattens the rope once, when the
 * text is first written or searched.
 */
export function joinTables(sections: readonly { readonly table: string; readonly buffers: readonly LineBuffer[] }[]): string {
  let text = '';
  for (const section of sections) {
    text += `*${section.table}\n`;
    for (const buffer of section.buffers) {
      for (const chunk of buffer.chunks()) text += chunk;
    }
    text += 'COMMIT\n';
  }
  return text;
}
