// An Exec for unit tests: records every request and answers from a responder function.
import type { Exec, ExecRequest, ExecResult } from '@kpx/agent/sys/exec.ts';

export interface RecordingExec {
  readonly exec: Exec;
  readonly calls: ExecRequest[];
  /** Each call as one string: `file arg arg…`. */
  argv(): string[];
}

export type Responder = (request: ExecRequest) => Partial<ExecResult> | undefined;

export function recordingExec(respond: Responder = () => undefined): RecordingExec {
  const calls: ExecRequest[] = [];
  const exec: Exec = async (request) => {
    calls.push(request);
    const answer = respond(request) ?? {};
    return { exitCode: 0, stdout: '', stderr: '', durationMs: 1, ...answer };
  };
  return { exec, calls, argv: () => calls.map((call) => [call.file, ...call.args].join(' ')) };
}
