// Governing Service problems (missing, not headless, selector mismatch). The checks live in
// src/report/identity.ts, shared with `kubectl sts dns`; this adapter feeds them the snapshot.
import { governingServiceFindings } from '../identity.ts';
import type { Diagnostic } from '../snapshot.ts';
import { unreadable, type RuleContext } from './context.ts';

export const governingService = (context: RuleContext): Diagnostic[] =>
  governingServiceFindings({
    statefulSet: context.set,
    service: context.snapshot.service,
    serviceUnreadable: unreadable(context, 'services'),
    pods: context.snapshot.pods,
    endpointSlices: context.snapshot.endpointSlices,
    endpointSlicesUnreadable: unreadable(context, 'endpointslices'),
  });
