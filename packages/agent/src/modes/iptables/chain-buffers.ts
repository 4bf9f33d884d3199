// Where the render steps write a restore payload's lines: chain declarations apart from rules,
// because iptables-restore wants every `:CHAIN` line of a table before its first rule.
import type { LineBuffer } from '../../netfilter/restore-text.ts';

export interface ChainBuffers {
  readonly declarations: LineBuffer;
  readonly rules: LineBuffer;
}
