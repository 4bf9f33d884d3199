// kube-proxy's --oom-score-adj: applied to its own process at start-up, best effort.
import { writeFile } from 'node:fs/promises';

/** Resolves with why it failed, or undefined once applied. */
export async function applyOomScoreAdj(value: number, path = '/proc/self/oom_score_adj'): Promise<string | undefined> {
  try {
    await writeFile(path, `${value}\n`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
