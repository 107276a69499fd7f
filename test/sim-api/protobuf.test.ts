// Protobuf request bodies as kubectl ≥ 1.32 sends them for typed requests.
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from '../sim/server/protobuf.ts';

/** Length-delimited protobuf field. */
function bytesField(number: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from([(number << 3) | 2, data.length]), data]);
}

function varintField(number: number, value: number): Buffer {
  return Buffer.from([number << 3, value]);
}

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(1, typeMeta), bytesField(2, raw)]);
}

describe('Kubernetes protobuf bodies', () => {
  it('decodes `kubectl create namespace`, dropping the empty fields Go writes', () => {
    // The bytes kubectl 1.33 sends for `kubectl create namespace m0` (from its -v=9 trace).
    const body = Buffer.from(
      '6b3873000a0f0a0276311209' +
        '4e616d657370616365121a0a120a026d3012001a0022002a00320038004200' +
        '12001a020a001a002200',
      'hex',
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'm0' },
    });
  });

  it('decodes `kubectl create service nodeport`: ports with an int targetPort, zero fields left out', () => {
    // The bytes kubectl 1.32 sends for `kubectl create service nodeport pbtest --tcp=80:8080
    // --node-port=30080` (captured through a proxy in front of the simulator).
    const body = Buffer.from(
      '6b3873000a0d0a02763112075365727669636512730a250a0670627465737412001a0022002a003200380042005a0d0a' +
        '03617070120670627465737412460a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112' +
        '0d0a0361707012067062746573741a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200',
      'hex',
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'pbtest', labels: { app: 'pbtest' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: 'pbtest' },
        type: 'NodePort',
      },
    });
  });

  it.each([
    {
      command: 'create pdb pdbtest --selector=app=todo-db,tier=db --max-unavailable=50%',
      hex:
        '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412500a170a0770646274' +
        '65737412001a0022002a003200380042001229121c0a0e0a036170701207746f646f2d64620a0a0a0474696572120264' +
        '621a09080110001a033530251a0a080018002000280030001a002200',
      spec: { selector: { matchLabels: { app: 'todo-db', tier: 'db' } }, maxUnavailable: '50%' },
    },
    {
      command: "create pdb pdb2 --selector='app=todo-db,env in (prod,staging)' --min-available=2",
      hex:
        '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412580a140a0470646232' +
        '12001a0022002a0032003800420012340a06080010021a00122a0a0e0a036170701207746f646f2d646212180a03656e' +
        '761202496e1a0470726f641a0773746167696e671a0a080018002000280030001a002200',
      spec: {
        minAvailable: 2,
        selector: {
          matchLabels: { app: 'todo-db' },
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }],
        },
      },
    },
  ])('decodes `kubectl $command` (kubectl 1.32 bytes)', ({ hex, spec }) => {
    expect(decodeKubernetesProtobuf(Buffer.from(hex, 'hex'))).toMatchObject({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      spec,
    });
  });

  it('decodes a named targetPort as a string', () => {
    const targetPort = Buffer.concat([varintField(1, 1), bytesField(3, 'http')]);
    const port = Buffer.concat([varintField(3, 80), bytesField(4, targetPort)]);
    const spec = Buffer.concat([bytesField(1, port), bytesField(3, 'None')]);
    const raw = Buffer.concat([bytesField(1, bytesField(1, 'db')), bytesField(2, spec)]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'Service', raw))).toMatchObject({
      spec: { clusterIP: 'None', ports: [{ port: 80, targetPort: 'http' }] },
    });
  });

  it('decodes a SelfSubjectAccessReview', () => {
    const attributes = Buffer.concat([
      bytesField(1, 'default'),
      bytesField(2, 'create'),
      bytesField(5, 'pods'),
      bytesField(6, 'eviction'),
    ]);
    const raw = Buffer.concat([bytesField(2, bytesField(1, attributes))]);
    expect(
      decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw)),
    ).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: 'default',
          verb: 'create',
          resource: 'pods',
          subresource: 'eviction',
        },
      },
    });
  });

  it('keeps an explicit zero grace period in an Eviction', () => {
    const raw = Buffer.concat([bytesField(1, bytesField(1, 'web-0')), bytesField(2, varintField(1, 0))]);
    expect(decodeKubernetesProtobuf(envelope('policy/v1', 'Eviction', raw))).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-0' },
      deleteOptions: { gracePeriodSeconds: 0 },
    });
  });

  it('decodes map fields (ConfigMap data, Secret bytes)', () => {
    const entry = Buffer.concat([bytesField(1, 'a'), bytesField(2, 'b')]);
    const raw = Buffer.concat([bytesField(1, bytesField(1, 'cfg')), bytesField(2, entry)]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw)).data).toEqual({ a: 'b' });
    const secret = Buffer.concat([bytesField(1, bytesField(1, 's')), bytesField(2, entry)]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'Secret', secret)).data).toEqual({
      a: Buffer.from('b').toString('base64'),
    });
  });

  it('answers 415 for kinds it does not describe', () => {
    expect(() => decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.alloc(0)))).toThrow(
      expect.objectContaining({ code: 415, reason: 'UnsupportedMediaType' }),
    );
  });
});
