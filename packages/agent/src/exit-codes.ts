/** The exit statuses of every kpx command and of the daemon, in one table. */
export const EXIT = {
  ok: 0,
  objectsSkipped: 1,
  badArguments: 2,
  runtimeFailure: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each status tells the caller (docs/ERRORS.md is generated from this). */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: 'success',
  1: 'some input objects were invalid and skipped (each is reported on stderr); the rest was used',
  2: 'unusable arguments or configuration (named on stderr); nothing was done',
  3: 'a runtime failure: a tool, the API server or the kernel (the error code and cause on stderr)',
};
