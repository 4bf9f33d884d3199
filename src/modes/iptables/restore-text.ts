// A line buffer for iptables-restore input, as upstream's proxyutil.LineBuffer. It stores
// string pieces (each line's words, then '\n') and the payload is made by one join at the
// end: a 400k-line payload then costs one copy, and hot paths can write a line as pieces
// without first building it as a string of its own.

export class LineBuffer {
  readonly #pieces: string[] = [];
  #lineCount = 0;

  /** Appends one finished line. */
  writeLine(line: string): void {
    this.#pieces.push(line, '\n');
    this.#lineCount++;
  }

  /** Appends one line made of `pieces` concatenated as they are (the caller adds spaces). */
  writePieces(...pieces: readonly string[]): void {
    for (const piece of pieces) this.#pieces.push(piece);
    this.#pieces.push('\n');
    this.#lineCount++;
  }

  /** Appends every line of another buffer. */
  append(other: LineBuffer): void {
    for (const piece of other.#pieces) this.#pieces.push(piece);
    this.#lineCount += other.#lineCount;
  }

  get lineCount(): number {
    return this.#lineCount;
  }

  /** The buffer's pieces; joined with '' they are its lines, each ending in '\n'. */
  pieces(): readonly string[] {
    return this.#pieces;
  }
}

/** `:CHAIN - [0:0]`: declares (creates or flushes) a chain in an iptables-restore payload. */
export function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

/** Joins table sections into one payload: `*table`, each buffer's lines in order, `COMMIT`. */
export function joinTables(sections: readonly { readonly table: string; readonly buffers: readonly LineBuffer[] }[]): string {
  // Each buffer is joined once, straight from its pieces; the few large results are then
  // concatenated, which copies nothing until the payload is written out.
  let payload = '';
  for (const section of sections) {
    payload += `*${section.table}\n`;
    for (const buffer of section.buffers) payload += buffer.pieces().join('');
    payload += 'COMMIT\n';
  }
  return payload;
}
