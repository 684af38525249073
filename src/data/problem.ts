/**
 * A data problem as a value: what the loaders return instead of throwing. The caller turns it into a
 * diagnostic located at the spec's `dataset` block; the message itself names file, line and column.
 */
import type { Code } from "../diagnostics/catalog.js";

export interface DataProblem {
  code: Code;
  message: string;
  hint?: string;
  suggestions?: string[];
  /** The IR path of the spec value to blame (e.g. a task's label); the dataset's `file` by default. */
  at?: string;
}

export function isProblem<T extends object>(x: T | DataProblem): x is DataProblem {
  return "code" in x && "message" in x && typeof (x as DataProblem).code === "string";
}
