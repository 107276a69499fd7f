// Per-volume file trees: what survives a pod's re-creation, subPath, read-only sources, and the
// checks exec makes before a process starts.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/kube/types.ts';
import { TOOLS_ANNOTATION, createExecHandler } from '../sim/exec/index.ts';
import { MemoryStore, instantClock, runExec, runningPod } from './helpers.ts';

function claimPod(name: string, claim: string, extra: Partial<Parameters<typeof runningPod>[1]> = {}): Pod {
  return runningPod(name, {
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: claim } },
      { name: 'scratch', emptyDir: {} },
    ],
    mounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/logs', subPath: 'logs' },
      { name: 'scratch', mountPath: '/scratch' },
    ],
    ...extra,
  });
}

function setup(): { store: MemoryStore; handler: ReturnType<typeof createExecHandler> } {
  const store = new MemoryStore();
  for (const [claim, volume] of [
    ['data-web-0', 'pvc-0001'],
    ['data-web-1', 'pvc-0002'],
  ]) {
    store.create('persistentvolumeclaims', {
      metadata: { name: claim, namespace: 'default' },
      spec: { volumeName: volume },
      status: { phase: 'Bound' },
    });
  }
  return { store, handler: createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' }) };
}

async function sh(handler: ReturnType<typeof createExecHandler>, pod: string, script: string) {
  return runExec(handler, { pod, command: ['sh', '-c', script] });
}

/** Deletes the pod and creates it again under the same name, as the StatefulSet controller does. */
function recreate(store: MemoryStore, pod: Pod): void {
  store.purge('pods', 'default', pod.metadata!.name!);
  store.create('pods', structuredClone({ ...pod, metadata: { ...pod.metadata, uid: undefined } }));
}

describe('file trees', () => {
  it('data under a PVC mount survives the pod being re-created', async () => {
    const { store, handler } = setup();
    const pod = claimPod('web-0', 'data-web-0');
    store.create('pods', pod);
    await sh(handler, 'web-0', 'echo persisted > /data/marker');
    recreate(store, pod);
    expect(await sh(handler, 'web-0', 'cat /data/marker')).toEqual({
      stdout: 'persisted\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('emptyDir and the container root start empty in a re-created pod', async () => {
    const { store, handler } = setup();
    const pod = claimPod('web-0', 'data-web-0');
    store.create('pods', pod);
    await sh(handler, 'web-0', 'echo a > /scratch/f; echo b > /tmp/f');
    expect((await sh(handler, 'web-0', 'cat /scratch/f /tmp/f')).stdout).toBe('a\nb\n');
    recreate(store, pod);
    const after = await sh(handler, 'web-0', 'ls /scratch; test -e /tmp/f || echo no-root-file');
    expect(after).toEqual({ stdout: 'no-root-file\n', stderr: '', exitCode: 0 });
  });

  it('each claim is its own tree: pods do not see each other’s data', async () => {
    const { store, handler } = setup();
    store.create('pods', claimPod('web-0', 'data-web-0'));
    store.create('pods', claimPod('web-1', 'data-web-1', { ip: '10.244.1.11' }));
    await sh(handler, 'web-0', 'echo zero > /data/who');
    expect(await sh(handler, 'web-1', 'cat /data/who')).toEqual({
      stdout: '',
      stderr: "cat: can't open '/data/who': No such file or directory\n",
      exitCode: 1,
    });
  });

  it('data follows the bound PV, not the pod name', async () => {
    const { store, handler } = setup();
    store.create('pods', claimPod('web-0', 'data-web-0'));
    await sh(handler, 'web-0', 'echo on-pv > /data/f');
    store.create('pods', claimPod('inspector', 'data-web-0', { ip: '10.244.1.99' }));
    expect((await sh(handler, 'inspector', 'cat /data/f')).stdout).toBe('on-pv\n');
  });

  it('a subPath mount is a directory inside the volume', async () => {
    const { store, handler } = setup();
    store.create('pods', claimPod('web-0', 'data-web-0'));
    const result = await sh(handler, 'web-0', 'echo line > /logs/app.log; ls /data; cat /data/logs/app.log');
    expect(result).toEqual({ stdout: 'logs\nline\n', stderr: '', exitCode: 0 });
  });

  it('mount points appear in the root directory listing', async () => {
    const { store, handler } = setup();
    store.create('pods', claimPod('web-0', 'data-web-0'));
    expect((await sh(handler, 'web-0', 'ls /')).stdout).toBe(
      'bin\ndata\ndev\netc\nhome\nlogs\nproc\nroot\nscratch\nsys\ntmp\nusr\nvar\n',
    );
  });

  it('secret volumes show decoded keys and are read-only', async () => {
    const { store, handler } = setup();
    store.create('secrets', {
      metadata: { name: 'db', namespace: 'default' },
      data: { POSTGRES_PASSWORD: Buffer.from('s3cret').toString('base64') },
    } as never);
    store.create(
      'pods',
      runningPod('db-0', {
        volumes: [
          {
            name: 'secret',
            secret: {
              secretName: 'db',
              items: [{ key: 'POSTGRES_PASSWORD', path: 'postgres_password' }],
            } as { secretName: string },
          },
        ],
        mounts: [{ name: 'secret', mountPath: '/secrets' }],
      }),
    );
    const result = await sh(handler, 'db-0', 'cat /secrets/postgres_password; echo; echo x > /secrets/new');
    expect(result).toEqual({
      stdout: 's3cret\n',
      stderr: "sh: can't create /secrets/new: Read-only file system\n",
      exitCode: 1,
    });
  });
});

describe('before a process starts', () => {
  it.each([
    {
      name: 'a missing pod is 404 NotFound',
      pod: 'ghost',
      container: undefined,
      error: { code: 404, reason: 'NotFound', message: 'pods "ghost" not found' },
    },
    {
      name: 'an unknown container is 400',
      pod: 'web-0',
      container: 'sidecar',
      error: { code: 400, reason: 'BadRequest', message: 'container sidecar is not valid for pod web-0' },
    },
  ])('$name', ({ pod, container, error }) => {
    const { store, handler } = setup();
    store.create('pods', runningPod('web-0'));
    expect(() =>
      handler.start({ namespace: 'default', pod, container, command: ['true'], stdin: false, tty: false }),
    ).toThrow(expect.objectContaining(error));
  });

  it.each([
    {
      name: 'a pod not yet scheduled has no host',
      edit: (pod: Pod) => {
        delete pod.spec!.nodeName;
        pod.status = { phase: 'Pending' };
      },
      message: 'pod web-0 does not have a host assigned',
    },
    {
      name: 'a pending pod has no running container',
      edit: (pod: Pod) => {
        pod.status = {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'main',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ContainerCreating' } },
            },
          ],
        };
      },
      message: 'unable to upgrade connection: container not found ("main")',
    },
    {
      name: 'a completed pod cannot be exec’d into',
      edit: (pod: Pod) => {
        pod.status = { phase: 'Succeeded' };
      },
      message: 'cannot exec into a container in a completed pod; current phase is Succeeded',
    },
  ])('$name', ({ edit, message }) => {
    const { store, handler } = setup();
    const pod = runningPod('web-0');
    edit(pod);
    store.create('pods', pod);
    expect(() =>
      handler.start({
        namespace: 'default',
        pod: 'web-0',
        container: undefined,
        command: ['true'],
        stdin: false,
        tty: false,
      }),
    ).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest', message }));
  });
});

describe('images without a shell', () => {
  it.each([
    { name: 'a distroless image', image: 'gcr.io/distroless/static:nonroot', annotations: undefined },
    {
      name: `the ${TOOLS_ANNOTATION}: none annotation`,
      image: 'busybox',
      annotations: { [TOOLS_ANNOTATION]: 'none' },
    },
    { name: 'etcd 3.5 (distroless)', image: 'registry.k8s.io/etcd:3.5.16-0', annotations: undefined },
  ])(
    '$name cannot start sh: the runtime fails the exec (InternalError), no exit code',
    async ({ image, annotations }) => {
      const { store, handler } = setup();
      store.create('pods', runningPod('web-0', { image, annotations }));
      await expect(sh(handler, 'web-0', 'echo hi')).rejects.toMatchObject({
        code: 500,
        reason: 'InternalError',
        message: expect.stringMatching(
          /^Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in \$PATH: unknown$/,
        ),
      });
    },
  );

  it('etcd before 3.5 still had a shell', async () => {
    const { store, handler } = setup();
    store.create('pods', runningPod('web-0', { image: 'k8s.gcr.io/etcd:3.2.24' }));
    expect((await sh(handler, 'web-0', 'echo hi')).stdout).toBe('hi\n');
  });
});
