import { EXIT } from './exit-codes.ts';
import type { CommandIO } from './main.ts';

export async function runApiServer(_argv: readonly string[], io: CommandIO): Promise<number> {
  io.stderr.write('kpx apiserver: not implemented yet\n');
  return EXIT.runtimeFailure;
}
