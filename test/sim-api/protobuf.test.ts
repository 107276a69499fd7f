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
