// Label and field selectors as the apiserver parses and applies them (?labelSelector=, ?fieldSelector=).
import type { LabelSelector } from '../../../src/kube/types.ts';
import type { ResourceName } from '../contract.ts';
import { badRequest } from './errors.ts';
import type { Json } from './json.ts';

export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt';
  values: string[];
}

function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of input) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

export function parseLabelSelector(input: string | undefined | null): LabelRequirement[] {
  if (!input) return [];
  return splitTopLevel(input).map((part) => {
    const setMatch = /^([^\s!=<>()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => v.trim());
      return { key: setMatch[1]!, operator: setMatch[2] as 'in' | 'notin', values };
    }
    const opMatch = /^([^\s!=<>()]+)\s*(==|=|!=|>|<)\s*([^\s!=<>(),]*)$/.exec(part);
    if (opMatch) {
      const op = opMatch[2]!;
      const operator = op === '!=' ? '!=' : op === '>' ? 'gt' : op === '<' ? 'lt' : '=';
      return { key: opMatch[1]!, operator, values: [opMatch[3]!] };
    }
    const notExists = /^!\s*([^\s!=<>(),]+)$/.exec(part);
    if (notExists) return { key: notExists[1]!, operator: '!', values: [] };
    const exists = /^([^\s!=<>(),]+)$/.exec(part);
    if (exists) return { key: exists[1]!, operator: 'exists', values: [] };
    throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export function selectorFromLabelSelector(selector: LabelSelector | undefined | null): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    requirements.push({ key, operator: '=', values: [value] });
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const operator = expression.operator;
    if (operator === 'In')
      requirements.push({ key: expression.key, operator: 'in', values: expression.values ?? [] });
    else if (operator === 'NotIn')
      requirements.push({ key: expression.key, operator: 'notin', values: expression.values ?? [] });
    else if (operator === 'Exists')
      requirements.push({ key: expression.key, operator: 'exists', values: [] });
    else if (operator === 'DoesNotExist')
      requirements.push({ key: expression.key, operator: '!', values: [] });
  }
  return requirements;
}

export function matchesLabels(
  requirements: LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const set = labels ?? {};
  return requirements.every((req) => {
    const has = Object.hasOwn(set, req.key);
    const value = set[req.key];
    switch (req.operator) {
      case '=':
      case 'in':
        return has && req.values.includes(value!);
      case '!=':
      case 'notin':
        return !has || !req.values.includes(value!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
        return has && Number(value) > Number(req.values[0]);
      case 'lt':
        return has && Number(value) < Number(req.values[0]);
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** The fields each resource accepts in ?fieldSelector= (the apiserver's field label conversions). */
const SUPPORTED_FIELDS: Partial<Record<ResourceName, string[]>> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  secrets: ['type'],
  persistentvolumeclaims: [],
  statefulsets: ['status.successful'],
};

export function parseFieldSelector(
  resource: ResourceName,
  input: string | undefined | null,
): FieldRequirement[] {
  if (!input) return [];
  const allowed = [...COMMON_FIELDS, ...(SUPPORTED_FIELDS[resource] ?? [])];
  return input
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!match) throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
      const field = match[1]!;
      if (!allowed.includes(field)) {
        throw badRequest(`field label not supported: ${field}`);
      }
      return { field, operator: match[2] === '!=' ? '!=' : '=', value: match[3]! };
    });
}

function fieldValue(object: Json, field: string): string {
  if (field === 'source') return object.source?.component ?? '';
  let current: unknown = object;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Json)[part];
  }
  if (current === undefined || current === null) return field === 'spec.unschedulable' ? 'false' : '';
  return String(current);
}

export function matchesFields(requirements: FieldRequirement[], object: Json): boolean {
  return requirements.every((req) => {
    const value = fieldValue(object, req.field);
    return req.operator === '=' ? value === req.value : value !== req.value;
  });
}
