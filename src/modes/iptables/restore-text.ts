// A line buffer for iptables-restore input, as upstream's proxyutil.LineBuffer. It stores
// string pieces (each line's words, then '\n'), joined a chunk at a time: hot paths write a
// line as pieces without building it as a string of its own, and a 400k-line payload is
// copied about twice in all, with no array of millions of entries to grow.

export class LineBuffer {
  /** Pieces are joined into text every CHUNK_PIECES, so no array grows to millions of entries. */
  static readonly CHUNK_PIECES = 1 << 16;
  readonly #chunks: string[] = [];
  #pieces: string[] = [];
  #lineCount = 0;

  /** Appends one finished line. */
  writeLine(line: string): void {
    this.#pieces.push(line, '\n');
    this.#lineCount++;
    if (this.#pieces.length >= LineBuffer.CHUNK_PIECES) this.#seal();
  }

  /** Appends one line made of `pieces` concatenated as they are (the caller adds spaces). */
  writePieces(...pieces: readonly string[]): void {
    for (const piece of pieces) this.#pieces.push(piece);
    this.#pieces.push('\n');
    this.#lineCount++;
    if (this.#pieces.length >= LineBuffer.CHUNK_PIECES) this.#seal();
  }

  /** Appends every line of another buffer. */
  append(other: LineBuffer): void {
    this.#seal();
    this.#chunks.push(other.text());
    this.#lineCount += other.#lineCount;
  }

  get lineCount(): number {
    return this.#lineCount;
  }

  /** The buffer's lines, each ending in '\n'. */
  text(): string {
    this.#seal();
    return this.#chunks.join('');
  }

  #seal(): void {
    if (this.#pieces.length === 0) return;
    this.#chunks.push(this.#pieces.join(''));
    this.#pieces = [];
  }
}

/** `:CHAIN - [0:0]`: declares (creates or flushes) a chain in an iptables-restore payload. */
export function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

/** Joins table sections into one payload: `*table`, each buffer's lines in order, `COMMIT`. */
export function joinTables(sections: readonly { readonly table: string; readonly buffers: readonly LineBuffer[] }[]): string {
  const parts: string[] = [];
  for (const section of sections) {
    parts.push(`*${section.table}\n`);
    for (const buffer of section.buffers) parts.push(buffer.text());
    parts.push('COMMIT\n');
  }
  return parts.join('');
}
