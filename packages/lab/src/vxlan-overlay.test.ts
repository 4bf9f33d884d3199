import { describe, expect, it } from 'vitest';
import { flannelAnnotations, vxlanPeerCommands, vxlanPeers } from './vxlan-overlay.ts';
import { labNodeObject } from './node-object.ts';

const node = (name: string, ip: string, podCIDR: string, annotations: Record<string, string>) => labNodeObject({ name, ip, podCIDR, annotations });

describe('the flannel-style vxlan overlay', () => {
  it('publishes the VTEP as flannel does, on the Node object', () => {
    const object = node('node1', '10.250.0.11', '10.244.1.0/24', flannelAnnotations('aa:bb:cc:00:00:01', '10.250.0.11'));
    expect((object['metadata'] as { annotations: Record<string, string> }).annotations).toEqual({
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"aa:bb:cc:00:00:01"}',
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/public-ip': '10.250.0.11',
    });
  });

  it('programs every other annotated Node: neighbour, FDB entry and route through flannel.1', () => {
    const nodes = [
      node('node1', '10.250.0.11', '10.244.1.0/24', flannelAnnotations('aa:bb:cc:00:00:01', '10.250.0.11')),
      node('node2', '10.250.0.12', '10.244.2.0/24', flannelAnnotations('aa:bb:cc:00:00:02', '10.250.0.12')),
      node('node3', '10.250.0.13', '10.244.3.0/24', {}),
      node('node4', '10.250.0.14', '10.244.4.0/24', {
        ...flannelAnnotations('aa:bb:cc:00:00:04', '10.250.0.14'),
        'flannel.alpha.coreos.com/backend-data': '{"VNI":7,"VtepMAC":"x"}',
      }),
    ];
    const peers = vxlanPeers('node1', nodes);
    expect(peers).toEqual([{ node: 'node2', podCIDR: '10.244.2.0/24', vtepMac: 'aa:bb:cc:00:00:02', publicIp: '10.250.0.12' }]);
    expect(vxlanPeerCommands(peers[0]!).map((command) => `${command.file} ${command.args.join(' ')}`)).toEqual([
      'ip neigh replace 10.244.2.0 lladdr aa:bb:cc:00:00:02 dev flannel.1 nud permanent',
      'bridge fdb append aa:bb:cc:00:00:02 dev flannel.1 dst 10.250.0.12',
      'ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    ]);
  });
});
