// Marker files `kubectl sts verify-pvc` left in the set's volumes: an earlier run could not
// remove them (interrupted twice, the pod never came back) or kept them (--keep-marker). The run
// records each marker on its claim while the file exists (src/report/marker-records.ts), so this
// reads the claims already in the snapshot: no exec, no extra request.
import type { Diagnostic } from '../snapshot.ts';
import { markerRecordsOf } from '../marker-records.ts';
import { ns, ordinalsPhrase, type RuleContext } from './context.ts';
import { ordinalFromClaimName } from './facts.ts';

export const leftoverMarkers = (context: RuleContext): Diagnostic[] => {
  const evidence: string[] = [];
  const ordinals = new Set<number>();
  let allKept = true;
  for (const claim of context.snapshot.claims) {
    const name = claim.metadata?.name ?? '';
    const ordinal = context.templates
      .map((template) => ordinalFromClaimName(name, template, context.name))
      .find((found) => found !== undefined);
    if (ordinal === undefined) continue;
    for (const found of markerRecordsOf(claim)) {
      ordinals.add(ordinal);
      if (!found.record) {
        allKept = false;
        evidence.push(`claim ${name}: ${found.problem}`);
        continue;
      }
      const { record } = found;
      if (!record.kept) allKept = false;
      evidence.push(
        `claim ${name}: ${record.path} in container ${record.container} of ${record.pod} (${record.pathInVolume} in the volume), written ${record.writtenAt}${record.kept ? ', kept with --keep-marker' : ''}`,
      );
    }
  }
  if (evidence.length === 0) return [];
  const sorted = [...ordinals].sort((a, b) => a - b);
  return [
    {
      code: 'VerifyPvcMarkerLeft',
      severity: allKept ? 'info' : 'warning',
      message: `${evidence.length} marker file(s) of \`kubectl sts verify-pvc\` remain in the volumes of ${ordinalsPhrase(sorted)}`,
      ordinals: sorted,
      evidence,
      advice: `remove them (and their records on the claims): \`kubectl sts verify-pvc ${context.name} ${ns(context)} --cleanup\``,
    },
  ];
};
