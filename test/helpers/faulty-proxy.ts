// A misbehaving network between a client and a server: a TCP proxy on 127.0.0.1 that forwards
// bytes (TLS passes through untouched, so the server's certificate still matches 127.0.0.1) and,
// per connection, drops, delays, truncates, stalls or resets them. Anyone may use it; it starts
// nothing on import.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Forward both ways. */
  | { kind: 'pass' }
  /** Accept the connection, read what the client sends, never answer, never close. */
  | { kind: 'blackhole' }
  /** Accept the connection and close it at once (FIN), before any byte. */
  | { kind: 'close' }
  /** Forward, and reset the connection (RST) once the server has sent `afterBytes` (0: at once). */
  | { kind: 'reset'; afterBytes: number }
  /** Forward the first `afterBytes` of the server's answer, then close the connection (FIN). */
  | { kind: 'truncate'; afterBytes: number }
  /** Forward the first `afterBytes` of the server's answer, then nothing more; the connection stays open. */
  | { kind: 'stall'; afterBytes: number }
  /** Forward, holding every piece of the server's answer back for `ms`. */
  | { kind: 'delay'; ms: number };

export interface FaultyProxy {
  host: string;
  port: number;
  /** `host:port` of the proxy, for a server URL. */
  address: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The fault for connections accepted from now on: one for all, or chosen by connection number (0, 1, …). */
  setFault(fault: Fault | ((connection: number) => Fault)): void;
  close(): Promise<void>;
}

/** Starts a proxy in front of `target` (`host:port`). */
export async function startFaultyProxy(
  target: { host: string; port: number },
  fault: Fault | ((connection: number) => Fault) = { kind: 'pass' },
): Promise<FaultyProxy> {
  let choose = typeof fault === 'function' ? fault : () => fault;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };

  const server = net.createServer((client) => {
    track(client);
    const current = choose(connections++);
    if (current.kind === 'blackhole') {
      client.resume();
      return;
    }
    if (current.kind === 'close') {
      client.end();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (current.kind !== 'stall') client.end();
    });
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      switch (current.kind) {
        case 'pass':
          client.write(chunk);
          return;
        case 'delay':
          upstream.pause();
          setTimeout(() => {
            client.write(chunk);
            upstream.resume();
          }, current.ms);
          return;
        case 'reset':
        case 'truncate':
        case 'stall': {
          const room = Math.max(0, current.afterBytes - sent);
          if (room > 0) client.write(chunk.subarray(0, room));
          sent += Math.min(room, chunk.length);
          if (sent < current.afterBytes) return;
          if (current.kind === 'reset') client.resetAndDestroy();
          else if (current.kind === 'truncate') client.end();
          upstream.destroy();
          return;
        }
      }
    });
    if (current.kind === 'reset' && current.afterBytes === 0) {
      upstream.once('connect', () => client.resetAndDestroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    setFault(next) {
      choose = typeof next === 'function' ? next : () => next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
