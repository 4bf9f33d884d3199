import { describe, expect, it } from 'vitest';
import { eventObject, startingEvent } from './node-event.ts';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);

describe('Events as upstream records them, reported by kpx', () => {
  it('Starting on the Node', () => {
    expect(startingEvent('node-1', NOW)).toMatchObject({
      involvedObject: { apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-1' },
      metadata: { namespace: 'default' },
      reason: 'Starting',
      type: 'Normal',
      action: 'StartKubeProxy',
      source: { component: 'kpx', host: 'node-1' },
      reportingComponent: 'kpx',
      reportingInstance: 'kpx-node-1',
      firstTimestamp: '2025-01-02T03:04:05Z',
    });
  });

  it("FailedToStartServiceHealthcheck on the Service, in the Service's namespace", () => {
    const event = eventObject(
      {
        type: 'Warning',
        reason: 'FailedToStartServiceHealthcheck',
        action: 'Listen',
        message: 'm',
        involved: { kind: 'Service', namespace: 'ns', name: 'web' },
      },
      'node-1',
      NOW,
    );
    expect(event).toMatchObject({
      involvedObject: { kind: 'Service', namespace: 'ns', name: 'web', uid: 'ns/web' },
      metadata: { namespace: 'ns' },
      type: 'Warning',
      action: 'Listen',
    });
  });
});
