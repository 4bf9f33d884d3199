// Progress on stderr: one line per step; long phases redraw a bar on a TTY (a line per
// phase elsewhere, so logs stay readable).
export interface Progress {
  step(text: string): void;
  /** `index` of `total` done within a named phase. */
  bar(label: string, index: number, total: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, started = performance.now()): Progress {
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  let barShown = false;
  const endBar = (): void => {
    if (barShown && stream.isTTY === true) stream.write('\n');
    barShown = false;
  };
  return {
    step(text) {
      endBar();
      stream.write(`[${elapsed()}] ${text}\n`);
    },
    bar(label, index, total) {
      const width = 20;
      const filled = Math.round((index / Math.max(1, total)) * width);
      const text = `[${elapsed()}]   [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${label}`;
      if (stream.isTTY === true) {
        stream.write(`\r\x1b[K${text}`);
        barShown = true;
      } else {
        stream.write(`${text}\n`);
      }
    },
    done: endBar,
  };
}
