/** The CLI's exit statuses, in one table. */
export const EXIT = {
  ok: 0,
  /** Some input objects were invalid and skipped; the rest was used. */
  objectsSkipped: 1,
  /** Unusable arguments or configuration. */
  badArguments: 2,
  /** A runtime failure (a tool, the API server, the kernel). */
  runtimeFailure: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
