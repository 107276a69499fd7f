// A misbehaving network between the plugin and the simulator: an HTTP proxy that forwards every
// request, except those a rule picks, whose answer it loses, delays, or — for a watch — keeps
// open while delivering nothing. What a flaky load balancer, a dropped NAT entry or a stalled
// HTTP/2 stream does to a real client.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect as connectSocket } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyRule {
  /** Which requests: method and the URL path (with query). */
  match: (method: string, url: URL) => boolean;
  /**
   * lose-answer: the server handles the request, the client never hears back (connection reset);
   * delay-answer: the answer is held for `delayMs`; silent: the response starts (200, headers)
   * and then nothing more arrives, the connection staying open.
   */
  action: 'lose-answer' | 'delay-answer' | 'silent';
  delayMs?: number;
  /** How many matching requests (default: all, until removed). */
  times?: number;
}

export interface ChaosProxy {
  url: string;
  /** Requests that matched a rule, as `METHOD path`. */
  readonly hits: string[];
  add(rule: ProxyRule): () => void;
  /** A copy of `kubeconfigPath` whose server is the proxy, written next to it. */
  kubeconfigFrom(kubeconfigPath: string, upstream: string): string;
  close(): Promise<void>;
}

export async function startChaosProxy(upstream: string): Promise<ChaosProxy> {
  const target = new URL(upstream);
  const rules: { rule: ProxyRule; remaining: number }[] = [];
  const sockets = new Set<Socket>();
  const hits: string[] = [];
  const written: string[] = [];

  const pick = (method: string, url: URL): ProxyRule | undefined => {
    for (const entry of rules) {
      if (entry.remaining <= 0 || !entry.rule.match(method, url)) continue;
      entry.remaining -= 1;
      hits.push(`${method} ${url.pathname}${url.search}`);
      return entry.rule;
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', target);
    const rule = pick(req.method ?? 'GET', url);
    const upstreamRequest = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (rule?.action === 'lose-answer') {
          // The server has handled it; the client's connection breaks before any answer.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        if (rule?.action === 'silent') {
          res.writeHead(answer.statusCode ?? 200, answer.headers);
          res.flushHeaders();
          answer.resume(); // swallowed: nothing reaches the client
          res.on('close', () => answer.destroy());
          return;
        }
        const forward = (): void => {
          if (res.destroyed) {
            answer.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (rule?.action === 'delay-answer') {
          answer.pause();
          setTimeout(forward, rule.delayMs ?? 1000);
        } else forward();
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    res.on('close', () => {
      // A client that gave up on a delayed or silent answer: the server side goes too, but a
      // request already sent stays sent.
      if (rule?.action !== 'lose-answer') upstreamRequest.destroy();
    });
    req.pipe(upstreamRequest);
  };

  // WebSocket upgrades (exec) are passed through untouched, byte for byte.
  const tunnel = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const upstreamSocket = connectSocket(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstreamSocket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstreamSocket.write(head);
      socket.pipe(upstreamSocket).pipe(socket);
    });
    const close = (): void => {
      socket.destroy();
      upstreamSocket.destroy();
    };
    upstreamSocket.on('error', close);
    socket.on('error', close);
    socket.on('close', close);
    upstreamSocket.on('close', close);
    sockets.add(upstreamSocket);
    upstreamSocket.on('close', () => sockets.delete(upstreamSocket));
  };

  const server: Server = createServer(handle);
  server.on('upgrade', tunnel);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    add(rule) {
      const entry = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
      rules.push(entry);
      return () => {
        const index = rules.indexOf(entry);
        if (index !== -1) rules.splice(index, 1);
      };
    },
    kubeconfigFrom(kubeconfigPath, simUrl) {
      const path = `${kubeconfigPath}.proxied`;
      writeFileSync(path, readFileSync(kubeconfigPath, 'utf8').split(simUrl).join(url));
      written.push(path);
      return path;
    },
    async close() {
      for (const path of written) rmSync(path, { force: true });
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
