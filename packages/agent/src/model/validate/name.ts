// Object and port name syntax (k8s.io/apimachinery/pkg/util/validation).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[-a-z0-9]+$/;

/** Namespaces, Service and Service port names: ≤63 of [a-z0-9-], alphanumeric at both ends. */
export function isDNS1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** EndpointSlice and Node names: ≤253, dot-separated DNS-1123 labels. */
export function isDNS1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * IANA_SVC_NAME, the syntax of a named targetPort or container port: ≤15 of [a-z0-9-], at
 * least one letter, no hyphen at either end and no two hyphens in a row.
 */
export function isIANASvcName(value: string): boolean {
  return (
    value.length >= 1 &&
    value.length <= 15 &&
    IANA_SVC_NAME.test(value) &&
    /[a-z]/.test(value) &&
    !value.startsWith('-') &&
    !value.endsWith('-') &&
    !value.includes('--')
  );
}
