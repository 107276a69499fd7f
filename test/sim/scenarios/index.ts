// Scenario files: multi-document YAML of manifests, optionally preceded by a document of kind
// SimScenario holding simulator settings (nodes, cluster domain, speed, timing). A scenario is
// named by a file in this folder (`todo-db` → todo-db.yaml) or given as a path.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import type { SimTiming } from '../controllers/index.ts';
import { parseDuration } from '../controllers/index.ts';

export const scenarioKind = 'SimScenario';
export const scenarioApiVersion = 'sim.kubectl-sts.dev/v1';

export const scenariosDir = dirname(fileURLToPath(import.meta.url));

export interface ScenarioSettings {
  nodes?: number;
  clusterDomain?: string;
  /** Default speed factor (the command line's --speed wins). */
  speed?: number;
  timing: Partial<SimTiming>;
}

export interface Scenario {
  name: string;
  description?: string;
  path: string;
  settings: ScenarioSettings;
  /** The manifests to apply, as multi-document YAML (the SimScenario document removed). */
  manifests: string;
  /** Number of objects in `manifests`. */
  objectCount: number;
}

/** A scenario problem, worded for one line: `<what>; <what to do>`. */
export class ScenarioError extends Error {}

const timingKeys: Record<string, keyof SimTiming> = {
  schedule: 'scheduleMs',
  imagePull: 'imagePullMs',
  initContainer: 'initContainerMs',
  readyAfter: 'readyAfterMs',
  stopAfter: 'stopAfterMs',
  provision: 'provisionMs',
  crashAfter: 'crashAfterMs',
};

export function listScenarios(): string[] {
  return readdirSync(scenariosDir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.replace(/\.yaml$/, ''))
    .sort();
}

export function resolveScenarioPath(nameOrPath: string, cwd = process.cwd()): string {
  if (/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) {
    const named = join(scenariosDir, `${nameOrPath}.yaml`);
    if (existsSync(named)) return named;
  }
  const path = resolve(cwd, nameOrPath);
  if (existsSync(path)) return path;
  throw new ScenarioError(
    `scenario "${nameOrPath}" not found; give a file path or one of: ${listScenarios().join(', ')}`,
  );
}

export function loadScenario(nameOrPath: string, cwd = process.cwd()): Scenario {
  const path = resolveScenarioPath(nameOrPath, cwd);
  return parseScenario(readFileSync(path, 'utf8'), path);
}

export function parseScenario(text: string, path: string): Scenario {
  const documents = parseAllDocuments(text);
  const objects: Record<string, unknown>[] = [];
  let header: Record<string, unknown> | undefined;
  for (const [index, doc] of documents.entries()) {
    if (doc.errors.length > 0) {
      throw new ScenarioError(
        `${path}: invalid YAML in document ${index + 1}: ${doc.errors[0]?.message.split('\n')[0]}; fix the file`,
      );
    }
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ScenarioError(
        `${path}: document ${index + 1} is not an object; each document must be a Kubernetes manifest`,
      );
    }
    const object = value as Record<string, unknown>;
    if (object.kind === scenarioKind) {
      if (header || objects.length > 0) {
        throw new ScenarioError(
          `${path}: the ${scenarioKind} document must come first and only once; move it to the top`,
        );
      }
      header = object;
      continue;
    }
    if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') {
      throw new ScenarioError(
        `${path}: document ${index + 1} has no kind or apiVersion; every manifest needs both`,
      );
    }
    objects.push(object);
  }
  const metadata = (header?.metadata ?? {}) as { name?: string; annotations?: Record<string, string> };
  const name = metadata.name ?? path.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const scenario: Scenario = {
    name,
    path,
    settings: parseSettings(header?.settings, path),
    manifests: objects.map((o) => stringify(o)).join('---\n'),
    objectCount: objects.length,
  };
  const description = (header as { description?: string } | undefined)?.description;
  if (description) scenario.description = description;
  return scenario;
}

function parseSettings(raw: unknown, path: string): ScenarioSettings {
  const settings: ScenarioSettings = { timing: {} };
  if (raw === undefined || raw === null) return settings;
  if (typeof raw !== 'object')
    throw new ScenarioError(`${path}: settings must be a mapping; see docs/simulator.md`);
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['nodes', 'clusterDomain', 'speed', 'timing'].includes(key)) {
      throw new ScenarioError(`${path}: unknown setting "${key}"; use nodes, clusterDomain, speed or timing`);
    }
  }
  if (input.nodes !== undefined) {
    if (!Number.isInteger(input.nodes) || (input.nodes as number) < 1)
      throw new ScenarioError(`${path}: settings.nodes must be a positive integer`);
    settings.nodes = input.nodes as number;
  }
  if (input.clusterDomain !== undefined) settings.clusterDomain = String(input.clusterDomain);
  if (input.speed !== undefined) {
    if (typeof input.speed !== 'number' || !(input.speed > 0))
      throw new ScenarioError(`${path}: settings.speed must be a positive number`);
    settings.speed = input.speed;
  }
  const timing = (input.timing ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(timing)) {
    const field = timingKeys[key];
    if (!field)
      throw new ScenarioError(`${path}: unknown timing "${key}"; use ${Object.keys(timingKeys).join(', ')}`);
    const ms = parseDuration(String(value));
    if (ms === undefined)
      throw new ScenarioError(
        `${path}: timing.${key} "${String(value)}" is not a duration; write e.g. 500ms, 2s, 1m`,
      );
    settings.timing[field] = ms;
  }
  return settings;
}
