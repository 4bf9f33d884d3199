// What the nftables mode leaves behind, removed as upstream's nftables CleanupLeftovers
// does: its table in both families, `ip` and `ip6` (`kube-proxy`, or the --service-proxy-name
// that names kpx's own). A table that is not there is nothing to do, and so is a node
// without the nft tool: nothing can have written a table through it.
import { KpxError } from '../../errors.ts';
import { execIfPresent } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import type { LeftoverDeps, LeftoverFailure, LeftoverReport, LeftoverSettings } from '../mode.ts';
import { NFT } from './apply.ts';
import { DEFAULT_TABLE } from './names.ts';
import { assertNftName } from './nft-text.ts';
import type { NftablesModeOptions } from './plan-types.ts';

const NOT_FOUND = /No such file or directory/;

export async function cleanupNftablesLeftovers(deps: LeftoverDeps, settings: LeftoverSettings<NftablesModeOptions>): Promise<LeftoverReport> {
  const exec = settings.netns === '' ? deps.exec : execInNetns(deps.exec, settings.netns);
  const table = assertNftName(settings.options.tableName === undefined || settings.options.tableName === '' ? DEFAULT_TABLE : settings.options.tableName);
  let tables = 0;
  const failures: LeftoverFailure[] = [];
  for (const family of ['ip', 'ip6']) {
    try {
      const result = await execIfPresent(exec, { file: NFT, args: ['delete', 'table', family, table], timeoutMs: 120_000 });
      if (result === undefined) break;
      if (result.exitCode === 0) tables += 1;
      else if (!NOT_FOUND.test(result.stderr)) {
        throw new KpxError('KPX_ERR_NFT', `nft delete table ${family} ${table} failed`, {
          context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 4000) },
        });
      }
    } catch (error) {
      failures.push({ step: `${family} ${table}`, error });
    }
  }
  return { removed: { tables }, failures };
}
