// pods/exec over WebSocket: channel framing, stdin, the exit status on channel 3 for each
// protocol version, close code 1000, and the errors the apiserver answers before upgrading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExecHandler, ExecRequest, ExecSession } from '../sim/contract.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';

/** One output stream of a stand-in process: what is written before anyone listens is kept, as a pipe keeps it. */
function pipe(): { write: (data: Buffer) => void; listen: (listener: (data: Buffer) => void) => void } {
  const listeners: ((data: Buffer) => void)[] = [];
  const kept: Buffer[] = [];
  return {
    write: (data) => (listeners.length === 0 ? kept.push(data) : listeners.forEach((l) => l(data))),
    listen: (listener) => {
      listeners.push(listener);
      kept.splice(0).forEach((data) => listener(data));
    },
  };
}

/**
 * A stand-in process: `cat` echoes stdin, `fail` writes to stderr and exits 3, `instant` writes
 * and exits at once (before the upgrade has finished), anything else echoes its argv after 5 ms.
 */
function fakeHandler(started: ExecRequest[]): ExecHandler {
  return {
    start(request: ExecRequest): ExecSession {
      started.push(request);
      const stdout = pipe();
      const stderr = pipe();
      let finish: (code: number) => void = () => {};
      const exit = new Promise<number>((resolve) => (finish = resolve));
      const [program] = request.command;
      if (program === 'instant') {
        stdout.write(Buffer.from('first\n'));
        finish(0);
      } else if (program !== 'cat') {
        setTimeout(() => {
          if (program === 'fail') {
            stderr.write(Buffer.from('boom\n'));
            finish(3);
            return;
          }
          stdout.write(Buffer.from(`${request.command.join(' ')}\n`));
          finish(0);
        }, 5);
      }
      return {
        writeStdin: (data) => stdout.write(data),
        endStdin: () => finish(0),
        onStdout: stdout.listen,
        onStderr: stderr.listen,
        exit,
        kill: () => finish(137),
      };
    },
  };
}

let sim: SimCluster;
const started: ExecRequest[] = [];

beforeAll(async () => {
  sim = await startSimCluster({ controllers: false, execHandler: fakeHandler(started) });
  sim.store.create('pods', {
    metadata: { name: 'one', namespace: 'default' },
    spec: { nodeName: 'sim-worker', containers: [{ name: 'main', image: 'busybox' }] },
  });
  sim.store.create('pods', {
    metadata: { name: 'two', namespace: 'default' },
    spec: {
      nodeName: 'sim-worker',
      containers: [
        { name: 'a', image: 'busybox' },
        { name: 'b', image: 'busybox' },
      ],
    },
  });
});
afterAll(async () => {
  await sim.stop();
});

interface Session {
  protocol: string;
  frames: { channel: number; text: string }[];
  closeCode: number;
}

function execUrl(pod: string, command: string[], extra = 'stdout=true&stderr=true'): string {
  const commands = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
  return `${sim.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${commands}&${extra}`;
}

function run(url: string, protocols: string[], onOpen?: (ws: WebSocket) => void): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: Session['frames'] = [];
    ws.on('open', () => onOpen?.(ws));
    ws.on('message', (data: Buffer) => frames.push({ channel: data[0]!, text: data.subarray(1).toString() }));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        reject(Object.assign(new Error(body), { status: res.statusCode, body: JSON.parse(body) })),
      );
    });
    ws.on('error', reject);
  });
}

describe('exec over WebSocket', () => {
  it('streams stdout and reports success on channel 3 (v5)', async () => {
    const session = await run(execUrl('one', ['echo', 'hi']), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(session.protocol).toBe('v5.channel.k8s.io');
    expect(session.frames).toEqual([
      { channel: 1, text: 'echo hi\n' },
      { channel: 3, text: JSON.stringify({ metadata: {}, status: 'Success' }) },
    ]);
    expect(session.closeCode).toBe(1000);
    expect(started.at(-1)).toMatchObject({
      namespace: 'default',
      pod: 'one',
      container: 'main',
      command: ['echo', 'hi'],
    });
  });

  it('reports a non-zero exit as NonZeroExitCode with the ExitCode cause (v4)', async () => {
    const session = await run(execUrl('one', ['fail']), ['v4.channel.k8s.io']);
    expect(session.frames[0]).toEqual({ channel: 2, text: 'boom\n' });
    expect(JSON.parse(session.frames[1]!.text)).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [fail], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('sends no output until a runtime would have started the process', async () => {
    // kubectl 1.30/1.31 read the socket before creating their streams and drop frames that
    // arrive straight after the 101 ("Unknown stream id 1"); a real cluster never sends that fast.
    let opened = 0;
    let firstFrame = 0;
    const session = await run(execUrl('one', ['instant']), ['v5.channel.k8s.io'], (ws) => {
      opened = performance.now();
      ws.once('message', () => (firstFrame = performance.now()));
    });
    expect(session.frames.map((f) => `${f.channel}:${f.text}`)).toEqual([
      '1:first\n',
      `3:${JSON.stringify({ metadata: {}, status: 'Success' })}`,
    ]);
    // Held 10 ms from the upgrade; 'open' comes a little after it (the 101 travels first).
    expect(firstFrame - opened).toBeGreaterThanOrEqual(3);
  });

  it('passes stdin through and ends it on a v5 close frame', async () => {
    const session = await run(
      execUrl('one', ['cat'], 'stdin=true&stdout=true'),
      ['v5.channel.k8s.io'],
      (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed')]));
        ws.send(Buffer.from([255, 0]));
      },
    );
    expect(session.frames.map((f) => `${f.channel}:${f.text}`)).toEqual([
      '1:typed',
      `3:${JSON.stringify({ metadata: {}, status: 'Success' })}`,
    ]);
  });

  it('writes a plain-text error on channel 3 for channel.k8s.io', async () => {
    const session = await run(execUrl('one', ['fail']), ['channel.k8s.io']);
    expect(session.protocol).toBe('channel.k8s.io');
    expect(session.frames.at(-1)).toEqual({
      channel: 3,
      text: 'command terminated with non-zero exit code: exit code 3',
    });
  });

  it.each([
    ['a missing pod', 'ghost', ['ls'], 404, 'pods "ghost" not found'],
    [
      'a pod with several containers and none chosen',
      'two',
      ['ls'],
      400,
      'a container name must be specified for pod two, choose one of: [a b]',
    ],
  ])('refuses %s before upgrading', async (_name, pod, command, status, message) => {
    await expect(run(execUrl(pod, command), ['v5.channel.k8s.io'])).rejects.toMatchObject({
      status,
      body: { message },
    });
  });

  it('applies exec faults and RBAC before upgrading', async () => {
    const undo = sim.faults.add({ match: { resource: 'pods', subresource: 'exec' }, status: 503, times: 1 });
    await expect(run(execUrl('one', ['ls']), ['v5.channel.k8s.io'])).rejects.toMatchObject({ status: 503 });
    undo();
    const deny = sim.rbac.deny({ resource: 'pods', subresource: 'exec' });
    await expect(run(execUrl('one', ['ls']), ['v5.channel.k8s.io'])).rejects.toMatchObject({
      status: 403,
      body: {
        message:
          'pods "one" is forbidden: User "kubernetes-admin" cannot create resource "pods/exec" in API group "" in the namespace "default"',
      },
    });
    deny();
    expect(sim.requestLog.count({ resource: 'pods', subresource: 'exec', status: 403 })).toBe(1);
  });
});
