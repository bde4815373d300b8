/** The path and body both servers of the lane benchmark answer with. */
export const benchPath = '/api/v1/flags/';

/** A /api/v1/flags/ response of about 5.5 KB, shaped like Flagsmith's, generated the same way every run. */
export function benchFlagsBody(targetBytes = 5500): string {
  const flags: unknown[] = [];
  for (let id = 1; JSON.stringify(flags).length < targetBytes; id++) {
    flags.push({
      id,
      feature: {
        id,
        name: `feature_${id}`,
        created_date: '2026-01-01T00:00:00Z',
        description: null,
        initial_value: null,
        default_enabled: false,
        type: 'STANDARD',
      },
      feature_state_value: id % 3 === 0 ? `value-${id}` : null,
      environment: 1,
      identity: null,
      feature_segment: null,
      enabled: id % 2 === 0,
    });
  }
  return JSON.stringify(flags);
}
