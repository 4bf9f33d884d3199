// Label values (zones, topology hints, label selectors' right-hand sides).

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Empty, or ≤63 of [A-Za-z0-9_.-] beginning and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_VALUE.test(value));
}
