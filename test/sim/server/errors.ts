// API failures as the real apiserver reports them (k8s.io/apimachinery/pkg/api/errors): the same
// reasons, codes, messages and details, so that kubectl prints the same lines.
import type { ApiErrorShape } from '../contract.ts';
import type { ResourceInfo } from './resources.ts';
import { qualifiedName } from './resources.ts';

export interface Cause {
  reason?: string;
  message?: string;
  field?: string;
}

export class ApiError extends Error implements ApiErrorShape {
  code: number;
  reason: string;
  details?: ApiErrorShape['details'] & { retryAfterSeconds?: number };

  constructor(code: number, reason: string, message: string, details?: ApiError['details']) {
    super(message);
    this.code = code;
    this.reason = reason;
    if (details) this.details = details;
  }
}

export function isApiError(value: unknown): value is ApiErrorShape {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ApiErrorShape).code === 'number' &&
    typeof (value as ApiErrorShape).reason === 'string'
  );
}

/** The `Status` body the apiserver sends for a failure. */
export function statusBody(error: ApiErrorShape): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
  };
  if (error.details && Object.keys(error.details).length > 0) body.details = error.details;
  body.code = error.code;
  return body;
}

function resourceDetails(info: ResourceInfo, name?: string): ApiError['details'] {
  const details: NonNullable<ApiError['details']> = {};
  if (name !== undefined) details.name = name;
  if (info.group) details.group = info.group;
  details.kind = info.resource;
  return details;
}

export function notFound(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedName(info)} "${name}" not found`,
    resourceDetails(info, name),
  );
}

export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: 'namespaces',
  });
}

export function alreadyExists(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedName(info)} "${name}" already exists`,
    resourceDetails(info, name),
  );
}

export function conflict(info: ResourceInfo, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(info)} "${name}": ${why}`,
    resourceDetails(info, name),
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `StatefulSet.apps "web" is invalid: <field>: <detail>` with one cause per field error. */
export function invalid(info: ResourceInfo, name: string, causes: Cause[]): ApiError {
  const kind = info.group ? `${info.kind}.${info.group}` : info.kind;
  const lines = causes.map((cause) =>
    cause.field ? `${cause.field}: ${cause.message}` : (cause.message ?? ''),
  );
  const summary = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    group: info.group,
    kind: info.kind,
    causes,
  });
}

/** Field errors, worded as k8s.io/apimachinery/pkg/util/validation/field does. */
export const fieldError = {
  required(field: string, detail?: string): Cause {
    return {
      reason: 'FieldValueRequired',
      message: detail ? `Required value: ${detail}` : 'Required value',
      field,
    };
  },
  invalid(field: string, value: string, detail: string): Cause {
    return { reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${detail}`, field };
  },
  forbidden(field: string, detail: string): Cause {
    return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
  },
  notSupported(field: string, value: string, supported: string[]): Cause {
    return {
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${value}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
      field,
    };
  },
};

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** Go's %#v of a map[string]string, as validation messages print label maps. */
export function goStringMap(map: Record<string, string> | undefined): string {
  const entries = Object.keys(map ?? {})
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify((map ?? {})[key])}`);
  return `map[string]string{${entries.join(', ')}}`;
}
