#!/bin/sh
# Inside the kernel VM (needs ip_vs, ip_vs_rr, dummy, veth): two name servers in
# their own network namespaces behind an IPVS virtual server (NAT, round robin)
# whose address sits on a kube-ipvs0 dummy interface, as kube-proxy sets it up.
# Prints spread-client.ts's JSON, then `ipvsadm -Ln` after the line "--- ipvsadm".
set -eu
cd "$(dirname "$0")"
VIP=10.96.0.10
NODE=${KPX_NODE:-node}

ip link add kube-ipvs0 type dummy
ip addr add "$VIP/32" dev kube-ipvs0
ipvsadm -A -t "$VIP:80" -s rr
for name in a b; do
  case $name in a) subnet=10.240.1 ;; b) subnet=10.240.2 ;; esac
  ip netns add "kpx-$name"
  ip link add "veth-$name" type veth peer name eth0 netns "kpx-$name"
  ip addr add "$subnet.1/24" dev "veth-$name"
  ip link set "veth-$name" up
  ip -n "kpx-$name" addr add "$subnet.2/24" dev eth0
  ip -n "kpx-$name" link set lo up
  ip -n "kpx-$name" link set eth0 up
  ip -n "kpx-$name" route add default via "$subnet.1"
  ip netns exec "kpx-$name" "$NODE" name-server.ts "server-$name" "$subnet.2" 8080 > /dev/null &
  ipvsadm -a -t "$VIP:80" -r "$subnet.2:8080" -m
done

"$NODE" spread-client.ts "$VIP:80" 10 10.240.1.2:8080 10.240.2.2:8080
echo '--- ipvsadm'
ipvsadm -Ln
kill $(jobs -p) 2> /dev/null || true
