// kubectl's -L/--label-columns and --show-labels on a list table: one column per requested label
// (headed by the key's last path segment in capitals: `-L app.kubernetes.io/name` → `NAME`, the
// label's value or nothing), then LABELS (every label, `k=v` sorted by key, or `<none>`).
import { compareGoStrings } from './go-values.ts';

export interface LabelColumnOptions {
  labelColumns: readonly string[];
  showLabels: boolean;
}

export interface ExtraColumns {
  headers: string[];
  cells(labels: Record<string, string>): string[];
}

/** labels.FormatLabels: `a=1,b=2` in key order, `<none>` when there are none. */
export function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort(compareGoStrings);
  return keys.length === 0 ? '<none>' : keys.map((key) => `${key}=${labels[key]}`).join(',');
}

/** The columns to append, or undefined when none were asked for. */
export function labelColumns(options: LabelColumnOptions): ExtraColumns | undefined {
  if (options.labelColumns.length === 0 && !options.showLabels) return undefined;
  return {
    headers: [
      ...options.labelColumns.map((key) => key.split('/').at(-1)!.toUpperCase()),
      ...(options.showLabels ? ['LABELS'] : []),
    ],
    cells: (labels) => [
      ...options.labelColumns.map((key) => labels[key] ?? ''),
      ...(options.showLabels ? [formatLabels(labels)] : []),
    ],
  };
}
