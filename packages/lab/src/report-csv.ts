// samples.csv: every measurement behind the report's figures, one per line. Pure.
import type { LabSample } from './report-types.ts';

const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** network,leg,figure,repeat,value — an empty value is a gap (not measured). */
export function formatSamplesCsv(samples: readonly LabSample[]): string {
  const lines = samples.map((s) => [s.network, s.leg, s.figure, String(s.repeat + 1), s.value === null ? '' : String(s.value)].map(quote).join(','));
  return ['network,leg,figure,repeat,value', ...lines, ''].join('\n');
}
