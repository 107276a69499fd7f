// subPathExpr expanded as the kubelet does, so verify-pvc names the real marker directory.
import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../src/kube/types.ts';
import { expandSubPathExpr } from '../../src/report/subpath.ts';

const pod: Pod = {
  metadata: {
    name: 'web-1',
    namespace: 'shop',
    uid: 'u-1',
    labels: { 'apps.kubernetes.io/pod-index': '1' },
    annotations: { team: 'db' },
  },
  spec: { containers: [], nodeName: 'node-a', serviceAccountName: 'web' },
  status: { podIP: '10.0.0.7', hostIP: '192.168.0.3' },
};

const container: Container = {
  name: 'db',
  env: [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    {
      name: 'INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    },
    { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
    { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'BASE', value: 'data' },
    { name: 'DIR', value: '$(BASE)/$(POD_NAME)' },
    { name: 'EMPTY' },
    { name: 'FROM_CONFIG', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'dir' } } },
  ],
};

describe('subPathExpr expansion', () => {
  it.each([
    { case: 'the pod name', expression: '$(POD_NAME)', path: 'web-1', unresolved: [] },
    {
      case: 'several fields',
      expression: '$(NS)/$(NODE)/$(POD_NAME)',
      path: 'shop/node-a/web-1',
      unresolved: [],
    },
    { case: 'a label and an annotation', expression: '$(TEAM)-$(INDEX)', path: 'db-1', unresolved: [] },
    { case: 'the pod IP', expression: 'by-ip/$(IP)', path: 'by-ip/10.0.0.7', unresolved: [] },
    {
      case: 'a value built from earlier variables',
      expression: '$(DIR)',
      path: 'data/web-1',
      unresolved: [],
    },
    {
      case: 'a variable declared without a value (empty)',
      expression: 'x$(EMPTY)y',
      path: 'xy',
      unresolved: [],
    },
    { case: '$$ escapes a dollar', expression: '$$(POD_NAME)', path: '$(POD_NAME)', unresolved: [] },
    {
      case: 'a ConfigMap value stays as written, reported',
      expression: '$(FROM_CONFIG)/x',
      path: '$(FROM_CONFIG)/x',
      unresolved: ['FROM_CONFIG'],
    },
    {
      case: 'an undeclared variable stays as written',
      expression: '$(NOPE)',
      path: '$(NOPE)',
      unresolved: ['NOPE'],
    },
    { case: 'no reference', expression: 'plain/dir', path: 'plain/dir', unresolved: [] },
  ])('$case', ({ expression, path, unresolved }) => {
    expect(expandSubPathExpr(expression, pod, container)).toEqual({ path, unresolved });
  });
});
