import { join } from 'node:path';
import { it } from 'vitest';
import { expectGolden } from '../helpers/expect-golden.ts';
import { renderCommandsDoc } from '../helpers/commands-doc.ts';

it('docs/COMMANDS.md is the current --help output of every command (npm run docs:commands)', async () => {
  expectGolden(join(import.meta.dirname, '..', '..', 'docs', 'COMMANDS.md'), await renderCommandsDoc());
});
