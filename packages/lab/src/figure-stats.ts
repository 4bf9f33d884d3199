// Samples → a leg's figures: the mean and the spread (sample standard deviation) of each
// figure over its repetitions; a figure with no finite sample is a gap (null). Pure.
import type { Figure, FigureName, LabSample } from './report-types.ts';

export function mean(values: readonly number[]): Figure {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? null : finite.reduce((sum, value) => sum + value, 0) / finite.length;
}

export function standardDeviation(values: readonly number[]): Figure {
  const finite = values.filter(Number.isFinite);
  const average = mean(finite);
  if (finite.length < 2 || average === null) return null;
  return Math.sqrt(finite.reduce((sum, value) => sum + (value - average) ** 2, 0) / (finite.length - 1));
}

export const toFigure = (value: number): Figure => (Number.isFinite(value) ? value : null);

/** Mean and spread of every figure named in `names`, from the samples of one leg. */
export function summarizeSamples<Name extends FigureName>(
  samples: readonly LabSample[],
  names: readonly Name[],
): { figures: Record<Name, Figure>; spread: Partial<Record<Name, Figure>> } {
  const figures = {} as Record<Name, Figure>;
  const spread: Partial<Record<Name, Figure>> = {};
  for (const name of names) {
    const values = samples.filter((sample) => sample.figure === name).map((sample) => sample.value ?? Number.NaN);
    figures[name] = mean(values);
    spread[name] = standardDeviation(values);
  }
  return { figures, spread };
}
