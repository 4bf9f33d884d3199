// SCTP for the stream proxy. Node has no SCTP API, so one-to-one style sockets
// (SOCK_STREAM, IPPROTO_SCTP) are made through libc with koffi and handed to Node as file
// descriptors: libuv sees a connected or listening SOCK_STREAM inet socket and drives it as it
// drives TCP, so the copy loop, backpressure and resets are shared with TCP. Differences: SCTP
// has no half-open state (a FIN-like SHUTDOWN ends both directions), and TCP socket options
// (nodelay) are ignored by the kernel. Where the kernel has no SCTP (EPROTONOSUPPORT), kpx
// says so once and serves the other protocols.
import { Socket, type Server } from 'node:net';
import type { Logger } from '../../../log.ts';
import { parseIPv4Octets, parseIPv6Groups } from '../../../model/validate/ip.ts';
import type { UpstreamEndpoint } from '../plan-types.ts';
import type { StreamTransport } from './tcp.ts';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_SCTP = 132;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_ERROR = 4;
const SO_SNDBUF = 7;
const SO_SNDBUFFORCE = 32;
/**
 * SCTP refuses (EMSGSIZE) a single write larger than the send buffer, and libuv hands Node's
 * queued chunks to one writev: a send buffer well above the stream's high-water mark plus one
 * read keeps every write of the copy loop under it.
 */
const SEND_BUFFER_BYTES = 4 * 1024 * 1024;
const POLLOUT = 4;
const EINPROGRESS = 115;
const EPROTONOSUPPORT = 93;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, address: Buffer, length: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: Buffer): number;
  close(fd: number): number;
  pollAsync(fds: Buffer, count: number, timeoutMs: number, done: (error: unknown, ready: number) => void): void;
  errno(): number;
}

async function loadLibc(): Promise<Libc> {
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libc.so.6');
  const poll = lib.func('int poll(void *fds, unsigned long nfds, int timeout)');
  return {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, void *, uint32_t)'),
    listen: lib.func('int listen(int, int)'),
    connect: lib.func('int connect(int, void *, uint32_t)'),
    setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)'),
    getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
    close: lib.func('int close(int)'),
    pollAsync: (fds, count, timeoutMs, done) => poll.async(fds, count, timeoutMs, done),
    errno: () => koffi.errno(),
  };
}

/** struct sockaddr_in / sockaddr_in6 for `ip`:`port`, as the kernel reads them. */
export function encodeSockaddr(ip: string, port: number): { family: number; address: Buffer } {
  const octets = parseIPv4Octets(ip);
  if (octets !== undefined) {
    const address = Buffer.alloc(16);
    address.writeUInt16LE(AF_INET, 0);
    address.writeUInt16BE(port, 2);
    Buffer.from(octets).copy(address, 4);
    return { family: AF_INET, address };
  }
  const groups = parseIPv6Groups(ip);
  if (groups === undefined) throw new Error(`not an IP address: ${ip}`);
  const address = Buffer.alloc(28);
  address.writeUInt16LE(AF_INET6, 0);
  address.writeUInt16BE(port, 2);
  groups.forEach((group, index) => address.writeUInt16BE(group, 8 + 2 * index));
  return { family: AF_INET6, address };
}

function errnoError(libc: Libc, call: string): NodeJS.ErrnoException {
  const errno = libc.errno();
  return Object.assign(new Error(`${call} failed (errno ${errno})`), { errno, code: `ERRNO_${errno}`, syscall: call });
}

function openSocket(libc: Libc, family: number, nonBlocking: boolean): number {
  const fd = libc.socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), IPPROTO_SCTP);
  if (fd < 0) throw errnoError(libc, 'socket');
  // FORCE passes net.core.wmem_max when kpx may (root); otherwise the capped size is still the best there is.
  const size = Buffer.alloc(4);
  size.writeInt32LE(SEND_BUFFER_BYTES);
  if (libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4) !== 0) libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, size, 4);
  return fd;
}

function sctpTransportOver(libc: Libc): StreamTransport {
  return {
    async listen(server: Server, ip, port, backlog) {
      const { family, address } = encodeSockaddr(ip, port);
      const fd = openSocket(libc, family, true);
      const one = Buffer.alloc(4);
      one.writeInt32LE(1);
      if (libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) !== 0 || libc.bind(fd, address, address.length) !== 0 || libc.listen(fd, backlog) !== 0) {
        const error = errnoError(libc, 'bind/listen');
        libc.close(fd);
        throw error;
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ fd }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    connect: (endpoint: UpstreamEndpoint, timeoutMs: number, signal: AbortSignal) =>
      new Promise<Socket>((resolve, reject) => {
        const { family, address } = encodeSockaddr(endpoint.ip, endpoint.port);
        const fd = openSocket(libc, family, true);
        if (libc.connect(fd, address, address.length) !== 0 && libc.errno() !== EINPROGRESS) {
          const error = errnoError(libc, 'connect');
          libc.close(fd);
          reject(error);
          return;
        }
        // Wait for the association on a koffi worker thread, then read its outcome.
        const pollfd = Buffer.alloc(8);
        pollfd.writeInt32LE(fd, 0);
        pollfd.writeInt16LE(POLLOUT, 4);
        libc.pollAsync(pollfd, 1, timeoutMs, (error, ready) => {
          const status = Buffer.alloc(4);
          const length = Buffer.alloc(4);
          length.writeUInt32LE(4);
          const failed = error !== null && error !== undefined ? 'poll' : ready !== 1 ? 'timeout' : undefined;
          if (failed === undefined && libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, status, length) === 0 && status.readInt32LE(0) === 0 && !signal.aborted) {
            resolve(new Socket({ fd, allowHalfOpen: true, readable: true, writable: true }));
            return;
          }
          libc.close(fd);
          const code = failed === 'timeout' ? 'ETIMEDOUT' : signal.aborted ? 'ABORTED' : `ERRNO_${status.readInt32LE(0)}`;
          reject(Object.assign(new Error(`SCTP connect to ${endpoint.endpoint} failed: ${code}`), { code }));
        });
      }),
  };
}

/**
 * The SCTP transport, or undefined (logged once) when koffi cannot load or the kernel has no
 * SCTP. Probes with one socket() call.
 */
export async function openSctpTransport(log: Logger): Promise<StreamTransport | undefined> {
  let libc: Libc;
  try {
    libc = await loadLibc();
  } catch (error) {
    log.warn({ err: error, reason: 'the native layer (koffi) did not load' }, 'SCTP unavailable: SCTP service ports are not served');
    return undefined;
  }
  const fd = libc.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
  if (fd < 0) {
    const errno = libc.errno();
    const reason = errno === EPROTONOSUPPORT ? 'the kernel has no SCTP support' : `socket() failed with errno ${errno}`;
    log.warn({ errno, reason }, 'SCTP unavailable: SCTP service ports are not served');
    return undefined;
  }
  libc.close(fd);
  return sctpTransportOver(libc);
}
