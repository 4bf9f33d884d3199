// The nfacct counters of the iptables mode, named as upstream's (pkg/proxy/metrics): rules bump
// them when they exist, and /metrics reports them.
/** Packets dropped in KUBE-FORWARD as conntrack INVALID (kubeproxy_iptables_ct_state_invalid_dropped_packets_total). */
export const CT_STATE_INVALID_DROPPED_COUNTER = 'ct_state_invalid_dropped_pkts';
/** Packets to a node port on 127.0.0.0/8 (kubeproxy_iptables_localhost_nodeports_accepted_packets_total). */
export const LOCALHOST_NODEPORTS_ACCEPTED_COUNTER = 'localhost_nodeports_accepted_pkts';
export const IPTABLES_NFACCT_COUNTERS: readonly string[] = [CT_STATE_INVALID_DROPPED_COUNTER, LOCALHOST_NODEPORTS_ACCEPTED_COUNTER];
