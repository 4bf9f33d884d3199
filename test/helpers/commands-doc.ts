// docs/COMMANDS.md is generated from the CLI's own --help output, so the reference can
// never drift from the code: `npm run docs:commands` rewrites it, a test compares.
import { commandNames } from '@kpx/agent/cli/main.ts';
import { runCli } from './render-cli.ts';

export async function renderCommandsDoc(): Promise<string> {
  const sections = ['# kpx command reference', '', 'Generated from `kpx COMMAND --help` by `npm run docs:commands`; do not edit by hand.', ''];
  const overview = await runCli(['--help']);
  sections.push('## kpx', '', '```', overview.stdout.trimEnd(), '```', '');
  for (const name of commandNames()) {
    const help = await runCli([name, '--help']);
    if (help.exitCode !== 0) throw new Error(`kpx ${name} --help exited ${help.exitCode}: ${help.stderr}`);
    sections.push(`## kpx ${name}`, '', '```', help.stdout.trimEnd(), '```', '');
  }
  return sections.join('\n');
}
