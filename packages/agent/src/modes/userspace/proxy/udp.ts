// The UDP proxy of one listener: a session per client address and port, each with its own
// connected upstream socket to the endpoint picked for it. Replies go back through the
// listener's socket, so they come from the service address. A session ends after
// `idleTimeoutMs` without traffic either way (kube-proxy userspace's --udp-timeout, 250ms by
// default), or when its endpoint leaves the endpoint set. Traffic that reached a socket before
// the timeout counts even if the process was too busy to read it in time (see expireWhenIdle).
import { createSocket, type Socket as DgramSocket, type RemoteInfo } from 'node:dgram';
import type { UpstreamEndpoint, UserspaceListener } from '../plan-types.ts';
import { createEndpointPicker } from '../pick-endpoint.ts';
import { type ProxyDeps, type ProxyListener } from './proxy-listener.ts';
import { isSourceAllowed } from './source-ranges.ts';

/** kube-proxy's --udp-timeout default. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;
/** Datagrams held per session while its upstream socket connects; more are dropped, as a full socket buffer would. */
const MAX_QUEUED_DATAGRAMS = 64;

export interface UdpProxyOptions {
  readonly idleTimeoutMs: number;
}

interface Session {
  readonly endpoint: UpstreamEndpoint;
  readonly upstream: DgramSocket;
  readonly timer: NodeJS.Timeout;
  /** Datagrams relayed either way; tells expireWhenIdle whether traffic came after the timer fired. */
  relayed: number;
  /** Datagrams received before the upstream socket connected; undefined once connected. */
  queue: Buffer[] | undefined;
  closed: boolean;
}

function literalLookup(address: string, _options: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function bindSocket(socket: DgramSocket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

export async function openUdpListener(initial: UserspaceListener, deps: ProxyDeps, options: UdpProxyOptions): Promise<ProxyListener> {
  let listener = initial;
  const type = listener.address.includes(':') ? 'udp6' : 'udp4';
  const picker = createEndpointPicker(listener.endpoints, listener.sessionAffinity, deps.clock);
  const sessions = new Map<string, Session>();
  const log = deps.log.child({ listener: listener.key });
  // Replies go to the client's literal address: skip the per-datagram dns.lookup round trip.
  const socket = createSocket({ type, lookup: literalLookup });

  function endSession(key: string, session: Session): void {
    if (session.closed) return;
    session.closed = true;
    clearTimeout(session.timer);
    sessions.delete(key);
    session.upstream.close();
  }

  // libuv runs due timers before it reads sockets: after a stall longer than the timeout (GC, a
  // descheduled process), a reply already waiting in the upstream socket would be dropped with
  // its session. setImmediate runs after the loop's next socket reads, so the session ends only
  // if those brought nothing; otherwise the relay refreshed the timer, which fires again later.
  function expireWhenIdle(key: string, session: Session): void {
    const relayedBefore = session.relayed;
    setImmediate(() => {
      if (session.relayed === relayedBefore) endSession(key, session);
    });
  }

  function noteTraffic(session: Session): void {
    session.relayed += 1;
    session.timer.refresh();
  }

  function openSession(key: string, client: RemoteInfo): Session | undefined {
    const endpoint = picker.pick(client.address);
    if (endpoint === undefined) return undefined;
    const upstream = createSocket({ type });
    const session: Session = {
      endpoint,
      upstream,
      timer: setTimeout(() => expireWhenIdle(key, session), options.idleTimeoutMs),
      relayed: 0,
      queue: [],
      closed: false,
    };
    upstream.on('message', (reply) => {
      try {
        noteTraffic(session);
        socket.send(reply, client.port, client.address);
      } catch (error) {
        log.debug({ err: error }, 'reply relay failed');
        endSession(key, session);
      }
    });
    // ICMP unreachable from the endpoint, or a local failure: this session is over.
    upstream.on('error', () => endSession(key, session));
    upstream.connect(endpoint.port, endpoint.ip, () => {
      if (session.closed) return;
      const queued = session.queue ?? [];
      session.queue = undefined;
      for (const datagram of queued) upstream.send(datagram);
    });
    sessions.set(key, session);
    return session;
  }

  socket.on('message', (datagram, client) => {
    try {
      const key = `${client.address}|${client.port}`;
      const session = sessions.get(key) ?? (isSourceAllowed(listener.sourceRanges, client.address) ? openSession(key, client) : undefined);
      if (session === undefined) return;
      noteTraffic(session);
      if (session.queue === undefined) session.upstream.send(datagram);
      else if (session.queue.length < MAX_QUEUED_DATAGRAMS) session.queue.push(datagram);
    } catch (error) {
      log.error({ err: error }, 'datagram relay failed');
    }
  });
  socket.on('error', (error) => log.error({ err: error }, 'listener failed'));
  await bindSocket(socket, listener.address, listener.port);

  const endAll = (): void => {
    for (const [key, session] of sessions) endSession(key, session);
  };
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      endAll();
      socket.close(() => resolve());
    });

  return {
    update(next) {
      listener = next;
      picker.update(next.endpoints, next.sessionAffinity);
      const kept = new Set(next.endpoints.map((endpoint) => endpoint.endpoint));
      for (const [key, session] of sessions) if (!kept.has(session.endpoint.endpoint)) endSession(key, session);
    },
    close,
    destroy: close,
    activeCount: () => sessions.size,
  };
}
