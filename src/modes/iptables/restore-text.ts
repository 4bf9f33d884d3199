// A line buffer for iptables-restore input, as upstream's proxyutil.LineBuffer. Lines are
// joined a chunk at a time, so a 400k-line payload is copied about twice in all and no
// array of hundreds of thousands of entries has to grow.

export class LineBuffer {
  static readonly CHUNK_LINES = 1 << 15;
  readonly #chunks: string[] = [];
  #lines: string[] = [];
  #lineCount = 0;

  /** Appends one finished line (without its newline). */
  writeLine(line: string): void {
    this.#lines.push(line);
    this.#lineCount++;
    if (this.#lines.length >= LineBuffer.CHUNK_LINES) this.#seal();
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
    if (this.#lines.length === 0) return;
    this.#lines.push('');
    this.#chunks.push(this.#lines.join('\n'));
    this.#lines = [];
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
