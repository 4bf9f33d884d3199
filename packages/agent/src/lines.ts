// Text that arrives in pieces (a stream's chunks, a polled file) cut into whole lines.

/** Returns the function to feed text to; `onLine` gets each complete line, without its newline. */
export function lineSplitter(onLine: (line: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    partial += text;
    for (let newline = partial.indexOf('\n'); newline !== -1; newline = partial.indexOf('\n')) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      onLine(line);
    }
  };
}
