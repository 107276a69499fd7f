// Governing Service problems. The checks themselves belong to src/report/identity.ts (shared
// with `kubectl sts dns`); until that module exists this file carries a minimal equivalent
// with the same codes, so the findings do not change when the switch happens.
import type { Diagnostic } from '../snapshot.ts';
import { ns, type RuleContext } from './context.ts';

export const governingService = (context: RuleContext): Diagnostic[] => {
  const serviceName = context.set.spec?.serviceName;
  if (!serviceName) return [];
  const service = context.snapshot.service;
  if (context.snapshot.unreadable.some((u) => u.resource === 'services')) return [];
  if (!service) {
    return [
      {
        code: 'ServiceMissing',
        severity: 'error',
        message: `the governing Service ${serviceName} does not exist: pods get no stable DNS names (${context.name}-N.${serviceName})`,
        ordinals: [],
        evidence: [
          `spec.serviceName: ${serviceName}`,
          `service ${context.namespace}/${serviceName}: not found`,
        ],
        advice: `create a headless Service named ${serviceName} (clusterIP: None) selecting the pods: \`kubectl create service clusterip ${serviceName} --clusterip=None ${ns(context)}\` and set its selector to the pod labels`,
      },
    ];
  }
  const findings: Diagnostic[] = [];
  const clusterIP = service.spec?.clusterIP;
  if (clusterIP !== 'None') {
    findings.push({
      code: 'ServiceNotHeadless',
      severity: 'error',
      message: `the governing Service ${serviceName} is not headless (clusterIP ${clusterIP ?? 'unset'}): per-pod DNS records are not published`,
      ordinals: [],
      evidence: [
        `service ${serviceName} spec.clusterIP: ${clusterIP ?? 'unset'}`,
        `type: ${service.spec?.type ?? 'ClusterIP'}`,
      ],
      advice: `clusterIP is immutable: recreate the Service with clusterIP: None (\`kubectl get svc ${serviceName} ${ns(context)} -o yaml\`, set clusterIP: None, delete and apply)`,
    });
  }
  const selector = service.spec?.selector ?? {};
  const labels = context.set.spec?.template?.metadata?.labels ?? {};
  const missing = Object.entries(selector).filter(([key, value]) => labels[key] !== value);
  if (Object.keys(selector).length === 0 || missing.length > 0) {
    findings.push({
      code: 'ServiceSelectorMismatch',
      severity: 'error',
      message:
        Object.keys(selector).length === 0
          ? `the governing Service ${serviceName} has no selector: no endpoints, hence no DNS records, are published for the pods`
          : `the governing Service ${serviceName} does not select the set's pods (${missing.map(([k, v]) => `${k}=${v}`).join(', ')} not on the pod template): no DNS records are published for them`,
      ordinals: [],
      evidence: [
        `service selector: ${JSON.stringify(selector)}`,
        `pod template labels: ${JSON.stringify(labels)}`,
      ],
      advice: `make the Service selector a subset of the pod labels: \`kubectl edit service ${serviceName} ${ns(context)}\``,
    });
  }
  return findings;
};
