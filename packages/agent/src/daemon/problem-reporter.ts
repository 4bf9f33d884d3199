// Invalid objects in the daemon: each object version with problems is logged once, however
// many syncs see it again; one skipped whole is counted once (kpx_invalid_objects_skipped_total).
// An invalid part (one endpoint of a slice) is logged as a warning but not counted: the object
// itself was used.
import type { Logger } from '../log.ts';
import type { RawObject } from '../model/inputs.ts';
import type { Problem } from '../model/types.ts';
import type { ProxyMetrics } from './metrics.ts';

export interface ProblemSources {
  readonly services: readonly RawObject[];
  readonly endpointSlices: readonly RawObject[];
  readonly node: RawObject | undefined;
}

export interface ProblemReporter {
  /** Logs and counts the problems of object versions not reported before. */
  report(problems: readonly Problem[], sources: ProblemSources): void;
}

function resourceVersions(sources: ProblemSources): Map<string, string> {
  const versions = new Map<string, string>();
  const add = (kind: string, object: RawObject | undefined): void => {
    const metadata = object?.['metadata'];
    if (typeof metadata !== 'object' || metadata === null) return;
    const { namespace, name, resourceVersion } = metadata as Record<string, unknown>;
    versions.set(`${kind}/${typeof namespace === 'string' ? namespace : ''}/${String(name)}`, String(resourceVersion));
  };
  for (const service of sources.services) add('Service', service);
  for (const slice of sources.endpointSlices) add('EndpointSlice', slice);
  add('Node', sources.node);
  return versions;
}

export function createProblemReporter(log: Logger, metrics: ProxyMetrics): ProblemReporter {
  let reported = new Set<string>();
  return {
    report(problems, sources) {
      if (problems.length === 0) {
        reported = new Set();
        return;
      }
      const versions = resourceVersions(sources);
      const current = new Set<string>();
      const skippedNow = new Map<string, Set<string>>();
      for (const problem of problems) {
        const objectKey = `${problem.kind}/${problem.namespace}/${problem.name}`;
        const key = `${objectKey}@${versions.get(objectKey) ?? '?'}`;
        current.add(key);
        if (reported.has(key)) continue;
        const fields = {
          kind: problem.kind,
          namespace: problem.namespace,
          name: problem.name,
          field: problem.field,
          value: problem.value,
          reason: problem.reason,
        };
        if (problem.severity === 'error') {
          log.warn(fields, 'invalid object skipped');
          const keys = skippedNow.get(problem.kind) ?? new Set<string>();
          keys.add(key);
          skippedNow.set(problem.kind, keys);
        } else if (problem.severity === 'invalid-part') {
          log.warn(fields, 'invalid part of an object skipped');
        } else if (problem.severity === 'warning') {
          log.warn(fields, 'legacy value read leniently');
        } else {
          log.debug(fields, 'part of an object ignored');
        }
      }
      for (const [kind, keys] of skippedNow) metrics.countInvalidObjectsSkipped(kind, keys.size);
      // Keeping only the current keys bounds memory; a fixed object drops out, a new version reports again.
      reported = current;
    },
  };
}
