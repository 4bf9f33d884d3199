import { EXIT } from './exit-codes.ts';
import type { CommandIO } from './main.ts';

export async function runRender(_argv: readonly string[], io: CommandIO): Promise<number> {
  io.stderr.write('kpx render: not implemented yet\n');
  return EXIT.runtimeFailure;
}
