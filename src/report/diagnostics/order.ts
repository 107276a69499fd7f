// The one order findings are shown in, by `status` and by `dns` alike.
import type { Diagnostic, Severity } from '../snapshot.ts';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Most severe first, then set-wide findings, then by lowest ordinal; ties keep their order. */
export function orderFindings(findings: Diagnostic[]): Diagnostic[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] ||
        (a.finding.ordinals[0] ?? -1) - (b.finding.ordinals[0] ?? -1) ||
        a.index - b.index,
    )
    .map(({ finding }) => finding);
}
