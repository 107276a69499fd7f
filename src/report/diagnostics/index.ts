// Owned by the diagnostics work: pure rules over a snapshot. (Placeholder until that work lands.)
import type { Diagnostic, StatefulSetSnapshot } from '../snapshot.ts';

export function diagnose(_snapshot: StatefulSetSnapshot): Diagnostic[] {
  return [];
}
