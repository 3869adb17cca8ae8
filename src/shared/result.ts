// Expected outcomes are values, not exceptions: a stable code and a sentence for people.

export interface Problem<Code extends string = string> {
  code: Code;
  message: string;
  /** Machine-readable particulars of a refusal (which limit, how much is left …). */
  details?: Record<string, unknown>;
}

export type Result<Value, Code extends string = string> =
  { ok: true; value: Value } | { ok: false; error: Problem<Code> };

export const ok = <Value>(value: Value): { ok: true; value: Value } => ({ ok: true, value });

export const problem = <Code extends string>(code: Code, message: string): { ok: false; error: Problem<Code> } => ({
  ok: false,
  error: { code, message },
});

export const problemWith = <Code extends string>(
  code: Code,
  message: string,
  details: Record<string, unknown>,
): { ok: false; error: Problem<Code> } => ({ ok: false, error: { code, message, details } });
