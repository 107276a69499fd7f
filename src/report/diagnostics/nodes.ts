// Pods on nodes that stopped reporting. A StatefulSet guarantees at most one pod per identity,
// so the controller does not create a replacement web-1 while the old web-1 object exists; on a
// node that is down nobody confirms the container stopped, and the pod stays Terminating.
import type { Diagnostic } from '../snapshot.ts';
import { eventEvidence, ns, unreadable, type RuleContext } from './context.ts';
import { isTerminating, nodeReady, parseTime } from './facts.ts';
import { humanDuration } from '../../core/duration.ts';

const STUCK_AFTER_GRACE_MS = 2 * 60_000;

export const podsOnLostNodes = (context: RuleContext): Diagnostic[] => {
  const findings: Diagnostic[] = [];
  if (!context.podsKnown) return findings;
  const nodes = new Map(context.snapshot.nodes.map((n) => [n.metadata?.name ?? '', n]));
  // An empty list means nodes were not read (the overview reads no nodes): every scheduled pod
  // runs on some node, so "no nodes at all" is never the truth.
  const nodesKnown = !unreadable(context, 'nodes') && context.snapshot.nodes.length > 0;
  for (const [ordinal, pod] of [...context.pods].sort((a, b) => a[0] - b[0])) {
    const name = pod.metadata?.name ?? '';
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    const condition = node?.status?.conditions?.find((c) => c.type === 'Ready');
    const nodeState = node ? nodeReady(node) : undefined;
    const nodeEvidence = node
      ? `node ${nodeName}: Ready=${nodeState}${condition?.reason ? ` (${condition.reason})` : ''}${
          condition?.lastTransitionTime ? ` since ${condition.lastTransitionTime}` : ''
        }`
      : `node ${nodeName ?? '(none)'}: ${nodesKnown ? 'not found' : 'not readable'}`;
    const terminatingFor = (() => {
      const since = parseTime(pod.metadata?.deletionTimestamp);
      return since ? context.now.getTime() - since.getTime() : 0;
    })();
    if (
      isTerminating(pod) &&
      nodeName &&
      (nodeState === 'False' || nodeState === 'Unknown' || (nodesKnown && !node))
    ) {
      findings.push({
        code: 'PodStuckTerminatingOnLostNode',
        severity: 'error',
        message: `${name} is stuck Terminating on node ${nodeName}, which is ${node ? 'not Ready' : 'gone'}; the controller will not create a new ${name} until the old pod object is removed (at most one pod per identity)`,
        ordinals: [ordinal],
        evidence: [
          `${name}: deletionTimestamp ${pod.metadata?.deletionTimestamp} (${humanDuration(terminatingFor / 1000)} ago)`,
          nodeEvidence,
          ...eventEvidence(context, 'Pod', name, 2),
        ],
        advice: `first confirm ${nodeName} is really down (powered off or cut off for good), otherwise two ${name} may run against the same volume; then either \`kubectl delete node ${nodeName}\`, or mark it \`kubectl taint node ${nodeName} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute\`, or \`kubectl delete pod ${name} ${ns(context)} --force --grace-period=0\``,
        blocking: true,
      });
      continue;
    }
    if (isTerminating(pod)) {
      const grace =
        (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      if (terminatingFor > grace + STUCK_AFTER_GRACE_MS) {
        findings.push({
          code: 'PodStuckTerminating',
          severity: 'warning',
          message: `${name} has been Terminating for ${humanDuration(terminatingFor / 1000)}, well past its grace period`,
          ordinals: [ordinal],
          evidence: [
            nodeEvidence,
            `finalizers: ${(pod.metadata?.finalizers ?? []).join(', ') || 'none'}`,
            ...eventEvidence(context, 'Pod', name, 2),
          ],
          advice: `check the kubelet on ${nodeName ?? 'its node'} and the pod's finalizers (\`kubectl get pod ${name} ${ns(context)} -o yaml\`); force deletion only once the container is known to be stopped`,
        });
      }
      continue;
    }
    if (node && nodeState !== 'True') {
      findings.push({
        code: 'PodOnNotReadyNode',
        severity: 'warning',
        message: `${name} runs on node ${nodeName}, which is not Ready; it will be evicted and then stay Terminating until the node returns or is removed`,
        ordinals: [ordinal],
        evidence: [nodeEvidence],
        advice: `check the node: \`kubectl describe node ${nodeName}\``,
      });
    }
  }
  return findings;
};
