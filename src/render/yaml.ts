// `-o yaml`: the same object as `-o json`, as YAML.
import { stringify } from 'yaml';

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
