// report.html's drawing of one network's cluster: the client and both nodes on the node
// switch, each node's bridge with its pods, and how pod traffic crosses between the nodes
// (a route, or a tunnel with its MTU and, for vxlan, VNI and port). Pure SVG text.
import type { NetworkReport } from './report-types.ts';

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function box(x: number, y: number, width: number, height: number, lines: readonly string[], fill: string): string {
  const text = lines
    .map(
      (line, index) => `<text x="${x + width / 2}" y="${y + 18 + index * 15}" text-anchor="middle" font-size="${index === 0 ? 13 : 10}">${escape(line)}</text>`,
    )
    .join('');
  return `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="6" fill="${fill}" stroke="#555"/>${text}`;
}

const line = (x1: number, y1: number, x2: number, y2: number, dashed = false): string =>
  `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#555" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`;

/** How the pod CIDRs cross between the nodes on this network. */
function crossing(network: NetworkReport): string {
  const tunnel = network.tunnel;
  if (tunnel === undefined) return 'routed: 10.244.2.0/24 via 10.250.0.12, and back';
  const vxlan = tunnel.vni === undefined ? '' : `, VNI ${tunnel.vni}, UDP ${tunnel.udpPort ?? '?'}`;
  return `${network.name}: ${tunnel.device}${vxlan}, MTU ${tunnel.mtu} (−${tunnel.overheadBytes} bytes)`;
}

export function renderTopologySvg(network: NetworkReport): string {
  const pods = (x: number, names: readonly [string, string], ips: readonly [string, string]): string =>
    names
      .map(
        (name, index) =>
          box(x + index * 125, 250, 115, 60, [name, ips[index] ?? '', `MTU ${network.podMtu ?? '?'}`], '#eef6ee') +
          line(x + index * 125 + 57, 250, x + 120, 225),
      )
      .join('');
  return `<svg class="topology" xmlns="http://www.w3.org/2000/svg" width="640" height="345" viewBox="0 0 640 345">
<text x="320" y="16" text-anchor="middle" font-size="14" font-weight="bold">${escape(network.name)} pod network</text>
${line(320, 70, 100, 130)}${line(320, 70, 540, 130)}${line(320, 70, 320, 40)}
${box(250, 50, 140, 30, ['br0 10.250.0.0/24'], '#f4f4f4')}
${box(260, 22, 120, 22, ['client 10.250.0.100'], '#fff')}
${box(20, 130, 250, 95, ['node1 10.250.0.11', 'cbr0 10.244.1.1/24', 'kpx run (each mode)'], '#eef0fa')}
${box(370, 130, 250, 95, ['node2 10.250.0.12', 'cbr0 10.244.2.1/24', 'kpx run (each mode)'], '#eef0fa')}
${line(270, 180, 370, 180, network.tunnel !== undefined)}
<text x="320" y="335" text-anchor="middle" font-size="12">between the nodes (- - -: encapsulated): ${escape(crossing(network))}</text>
${pods(20, ['pod-a', 'pod-b'], ['10.244.1.10', '10.244.1.11'])}${pods(370, ['pod-c (bench)', 'pod-d'], ['10.244.2.10', '10.244.2.11'])}
</svg>`;
}
