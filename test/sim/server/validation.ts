// Validation on create and update, worded as the apiserver's ValidateX functions word it, so that
// `kubectl apply` of a bad manifest prints the same `... is invalid: ...` lines.
import type { ResourceName } from '../contract.ts';
import type { Cause } from './errors.ts';
import { fieldError, goStringMap } from './errors.ts';
import type { Json } from './json.ts';
import { stableEqual } from './json.ts';
import { matchesLabels, selectorFromLabelSelector } from './selectors.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Resources whose names must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set<ResourceName>(['namespaces', 'services', 'statefulsets']);

function validateName(resource: ResourceName, name: string | undefined): Cause[] {
  if (!name) return [fieldError.required('metadata.name', 'name or generateName is required')];
  if (LABEL_NAMED.has(resource)) {
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      return [fieldError.invalid('metadata.name', JSON.stringify(name), LABEL_HELP)];
    }
  } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    return [fieldError.invalid('metadata.name', JSON.stringify(name), SUBDOMAIN_HELP)];
  }
  return [];
}

function validateContainers(path: string, spec: Json | undefined): Cause[] {
  const causes: Cause[] = [];
  const containers: Json[] | undefined = spec?.containers;
  if (!containers || containers.length === 0) {
    causes.push(fieldError.required(`${path}.containers`));
    return causes;
  }
  const seen = new Set<string>();
  containers.forEach((container, index) => {
    if (!container.name) causes.push(fieldError.required(`${path}.containers[${index}].name`));
    else if (seen.has(container.name))
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify(container.name)}`,
        field: `${path}.containers[${index}].name`,
      });
    seen.add(container.name);
    if (!container.image) causes.push(fieldError.required(`${path}.containers[${index}].image`));
  });
  return causes;
}

/**
 * ValidateStatefulSetSpec, in its order. The apiserver does not validate the pod template's spec
 * or the claim templates here (the controller's pod and claim creation fail later instead).
 */
function validateStatefulSet(sts: Json): Cause[] {
  const causes: Cause[] = [];
  const spec: Json = sts.spec ?? {};
  const policy = spec.podManagementPolicy;
  if (policy && policy !== 'OrderedReady' && policy !== 'Parallel') {
    causes.push(
      fieldError.invalid(
        'spec.podManagementPolicy',
        JSON.stringify(policy),
        "must be 'OrderedReady' or 'Parallel'",
      ),
    );
  }
  const strategy = spec.updateStrategy?.type;
  if (strategy && strategy !== 'RollingUpdate' && strategy !== 'OnDelete') {
    const rolling = spec.updateStrategy.rollingUpdate
      ? '(*apps.RollingUpdateStatefulSetStrategy)(...)'
      : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
    causes.push(
      fieldError.invalid(
        'spec.updateStrategy',
        `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(strategy)}, RollingUpdate:${rolling}}`,
        "must be 'RollingUpdate' or 'OnDelete'",
      ),
    );
  } else if (strategy === 'OnDelete' && spec.updateStrategy.rollingUpdate) {
    causes.push(
      fieldError.invalid(
        'spec.updateStrategy.rollingUpdate',
        '(*apps.RollingUpdateStatefulSetStrategy)(...)',
        "only allowed for updateStrategy 'RollingUpdate'",
      ),
    );
  }
  for (const when of ['whenDeleted', 'whenScaled']) {
    const value = spec.persistentVolumeClaimRetentionPolicy?.[when];
    if (value !== undefined && value !== 'Retain' && value !== 'Delete') {
      causes.push(
        fieldError.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${when}`, JSON.stringify(value), [
          'Retain',
          'Delete',
        ]),
      );
    }
  }
  for (const [field, value] of [
    ['spec.replicas', spec.replicas],
    ['spec.minReadySeconds', spec.minReadySeconds],
    ['spec.ordinals.start', spec.ordinals?.start],
  ] as const) {
    if (typeof value === 'number' && value < 0) {
      causes.push(fieldError.invalid(field, String(value), 'must be greater than or equal to 0'));
    }
  }
  const labels: Record<string, string> = spec.template?.metadata?.labels ?? {};
  const selectorEmpty =
    !!spec.selector &&
    Object.keys(spec.selector.matchLabels ?? {}).length === 0 &&
    (spec.selector.matchExpressions ?? []).length === 0;
  if (!spec.selector) {
    causes.push(fieldError.required('spec.selector'));
  } else if (selectorEmpty) {
    causes.push(
      fieldError.invalid(
        'spec.selector',
        'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
        'empty selector is invalid for statefulset',
      ),
    );
  }
  // A missing selector matches nothing (so it mismatches too); an empty one matches everything.
  const mismatch =
    !spec.selector || (!selectorEmpty && !matchesLabels(selectorFromLabelSelector(spec.selector), labels));
  if (mismatch) {
    causes.push(
      fieldError.invalid(
        'spec.template.metadata.labels',
        goStringMap(labels),
        '`selector` does not match template `labels`',
      ),
    );
  }
  const restartPolicy = spec.template?.spec?.restartPolicy;
  if (restartPolicy && restartPolicy !== 'Always') {
    causes.push(
      fieldError.notSupported('spec.template.spec.restartPolicy', JSON.stringify(restartPolicy), ['Always']),
    );
  }
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    causes.push(
      fieldError.forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  }
  return causes;
}

function validateClaimSpec(path: string, spec: Json | undefined): Cause[] {
  const causes: Cause[] = [];
  if (!spec?.accessModes || spec.accessModes.length === 0) {
    causes.push(fieldError.required(`${path}.accessModes`, 'at least 1 access mode is required'));
  }
  if (!spec?.resources?.requests?.storage) {
    causes.push(fieldError.required(`${path}.resources[storage]`));
  }
  return causes;
}

function validateService(svc: Json): Cause[] {
  const spec: Json = svc.spec ?? {};
  const headless = spec.clusterIP === 'None';
  if (spec.type !== 'ExternalName' && !headless && (!spec.ports || spec.ports.length === 0)) {
    return [fieldError.required('spec.ports')];
  }
  return [];
}

/** Checks a new object; returns the causes of a 422 Invalid (empty when valid). */
export function validateCreate(resource: ResourceName, object: Json): Cause[] {
  const causes =
    object.metadata?.generateName && !object.metadata?.name
      ? []
      : validateName(resource, object.metadata?.name);
  switch (resource) {
    case 'statefulsets':
      causes.push(...validateStatefulSet(object));
      break;
    case 'pods':
      causes.push(...validateContainers('spec', object.spec));
      break;
    case 'persistentvolumeclaims':
      causes.push(...validateClaimSpec('spec', object.spec));
      break;
    case 'services':
      causes.push(...validateService(object));
      break;
    default:
      break;
  }
  return causes;
}

const STS_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function withoutKeys(object: Json | undefined, keys: string[]): Json {
  const copy: Json = { ...(object ?? {}) };
  for (const key of keys) delete copy[key];
  return copy;
}

function podSpecWithoutMutable(spec: Json | undefined): Json {
  const copy = withoutKeys(spec, ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']);
  copy.containers = (spec?.containers ?? []).map((c: Json) => withoutKeys(c, ['image']));
  copy.initContainers = (spec?.initContainers ?? []).map((c: Json) => withoutKeys(c, ['image']));
  return copy;
}

/** Checks a replacement against the stored object: validity plus the immutable fields. */
export function validateUpdate(resource: ResourceName, previous: Json, next: Json): Cause[] {
  const causes = validateCreate(resource, next);
  switch (resource) {
    case 'statefulsets':
      if (!stableEqual(withoutKeys(previous.spec, STS_MUTABLE), withoutKeys(next.spec, STS_MUTABLE))) {
        causes.push(
          fieldError.forbidden(
            'spec',
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          ),
        );
      }
      break;
    case 'persistentvolumeclaims': {
      const strip = (spec: Json | undefined): Json => {
        const copy = withoutKeys(spec, ['volumeAttributesClassName']);
        copy.resources = withoutKeys(spec?.resources, ['requests']);
        // volumeName may be set once by the binder.
        if (!previous.spec?.volumeName) delete copy.volumeName;
        return copy;
      };
      if (!stableEqual(strip(previous.spec), strip(next.spec))) {
        causes.push(
          fieldError.forbidden(
            'spec',
            'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
          ),
        );
      }
      break;
    }
    case 'pods': {
      const before = podSpecWithoutMutable(previous.spec);
      const after = podSpecWithoutMutable(next.spec);
      // The scheduler binds once (pods/binding); nodeName may go from unset to set.
      if (!previous.spec?.nodeName) {
        delete after.nodeName;
        delete before.nodeName;
      }
      if (!stableEqual(before, after)) {
        causes.push(
          fieldError.forbidden(
            'spec',
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          ),
        );
      }
      break;
    }
    default:
      break;
  }
  return causes;
}
