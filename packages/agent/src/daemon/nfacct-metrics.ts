// The iptables mode's nfacct-backed counters under upstream's names (pkg/proxy/metrics:
// IPTablesCTStateInvalidDroppedPacketsDescription, LocalhostNodePortAcceptedPacketsDescription),
// read from the kernel at each scrape as upstream's nfacctMetricCollector does.
import { Counter } from 'prom-client';
import { kernelNfacctName } from '../sys/nfacct.ts';

/** nfacct counter name → metric name and help. */
const NFACCT_METRICS: readonly { readonly counter: string; readonly name: string; readonly help: string }[] = [
  {
    counter: 'ct_state_invalid_dropped_pkts',
    name: 'kubeproxy_iptables_ct_state_invalid_dropped_packets_total',
    help: '[ALPHA] packets dropped by iptables to work around conntrack problems',
  },
  {
    counter: 'localhost_nodeports_accepted_pkts',
    name: 'kubeproxy_iptables_localhost_nodeports_accepted_packets_total',
    help: '[ALPHA] Number of packets accepted on nodeports of loopback interface',
  },
];

export function nfacctMetrics(read: () => Promise<ReadonlyMap<string, number>>): Counter[] {
  // One read serves both metrics of a scrape.
  let pending: Promise<ReadonlyMap<string, number>> | undefined;
  const readOnce = (): Promise<ReadonlyMap<string, number>> => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  return NFACCT_METRICS.map(
    ({ counter, name, help }) =>
      new Counter({
        name,
        help,
        registers: [],
        async collect() {
          const packets = (await readOnce()).get(kernelNfacctName(counter));
          this.reset();
          if (packets !== undefined) this.inc(packets);
        },
      }),
  );
}
