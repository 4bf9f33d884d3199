// The interface addresses a proxier's node ports may answer on, read where the rules live
// (the host, or the --netns namespace) before each full sync. A failed read is logged and
// the addresses last read are kept: a missing `ip` must not stop the syncs.
import type { Logger } from '../log.ts';
import type { IPFamily } from '../model/types.ts';
import type { Exec } from '../sys/exec.ts';
import { readLocalAddresses } from '../sys/local-addresses.ts';

export function localAddressReader(exec: Exec, ipFamily: IPFamily, log: Logger): () => Promise<readonly string[] | undefined> {
  return async () => {
    try {
      return await readLocalAddresses(exec, ipFamily);
    } catch (error) {
      log.warn({ err: error, ipFamily }, 'local addresses not read: node ports keep the addresses last read');
      return undefined;
    }
  };
}
