// Expected outcomes are values, not exceptions: a stable code and a sentence for people.

export interface Problem<Code extends string = string> {
  code: Code;
  message: string;
}

export type Result<Value, Code extends string = string> =
  { ok: true; value: Value } | { ok: false; error: Problem<Code> };

export const ok = <Value>(value: Value): { ok: true; value: Value } => ({ ok: true, value });

export const problem = <Code extends string>(code: Code, message: string): { ok: false; error: Problem<Code> } => ({
  ok: false,
  error: { code, message },
});
