// The one interface every dataplane implements. The daemon, `kpx render` and
// `kpx explain` speak only this; modes/registry.ts maps names to implementations.
import type { DesiredState, ServicePortName } from '../model/types.ts';
import type { ChangeSet } from '../diff/change-set.ts';
import type { Exec } from '../sys/exec.ts';
import type { Logger } from '../log.ts';

export type ModeName = 'iptables' | 'ipvs' | 'userspace' | 'nftables';

export interface Clock {
  now(): number;
}

export interface DataplaneDeps {
  readonly exec: Exec;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ApplyReport {
  /** Whether the apply rewrote everything (a full sync) or only what changed. */
  readonly full: boolean;
  /** Milliseconds spent inside external tools (iptables-restore, ipvsadm, …). */
  readonly toolMs: number;
  /** Free-form figures for the sync log line (chains written, rules, …). */
  readonly figures: Readonly<Record<string, number>>;
}

/** What the dataplane really holds for a service, read back from the kernel. */
export interface Observed {
  readonly text: string;
}

export interface Mode<Plan> {
  readonly name: ModeName;
  /** Pure and deterministic. Without `changed`, a full plan. */
  plan(state: DesiredState, changed?: ChangeSet): Plan;
  /** Pure: the text `kpx render` prints and golden files hold. */
  format(plan: Plan): string;
  open(deps: DataplaneDeps): Dataplane<Plan>;
}

export interface Dataplane<Plan> {
  /** Sysctls, base chains, interfaces: whatever must exist before the first apply. */
  setup(): Promise<void>;
  /** All-or-nothing; throws KpxError. */
  apply(plan: Plan): Promise<ApplyReport>;
  observe(servicePortName?: ServicePortName): Promise<Observed>;
  /** Removes only what kpx owns. */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}
