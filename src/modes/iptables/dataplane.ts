// Placeholder until the iptables apply work (issue 4) lands: the renderer is usable
// on its own (`kpx render`), the dataplane is not yet.
import { KpxError } from '../../errors.ts';
import type { Dataplane, DataplaneDeps } from '../mode.ts';

export function openIptablesDataplane<Plan>(_deps: DataplaneDeps): Dataplane<Plan> {
  throw new KpxError('KPX_ERR_UNSUPPORTED', 'the iptables dataplane is not implemented yet');
}
