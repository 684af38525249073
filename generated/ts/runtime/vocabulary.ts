/**
 * The closed word lists of the language and its results, each spelled once as a `const` array; the
 * literal types, the JSON Schemas (generated from those types), the grammar's highlighted words, the
 * lowering's checks and the CLI's choices all derive from these arrays.
 * In: nothing. Out: arrays in the order messages list them, and their element types.
 */

/** Hidden-layer and adapter nonlinearities. */
export const ACTIVATIONS = [
  "linear",
  "relu",
  "sigmoid",
  "tanh",
  "elu",
  "selu",
  "softplus",
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The output layer's nonlinearity: one word, still a vocabulary (`head 4 sigmoid` is unknown). */
export const HEAD_ACTIVATIONS = ["softmax"] as const;
export type HeadActivation = (typeof HEAD_ACTIVATIONS)[number];

/** `linear` (Rusu Eq. 1) or `adapter` (Eq. 2). */
export const LATERAL_KINDS = ["linear", "adapter"] as const;
export type LateralKind = (typeof LATERAL_KINDS)[number];

export const OPTIMIZERS = ["adam", "sgd", "rmsprop"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** What early stopping watches on the validation fold. */
export const EARLY_STOPPING_METRICS = ["uar", "accuracy", "loss"] as const;
export type EarlyStoppingMetric = (typeof EARLY_STOPPING_METRICS)[number];

/** What the evaluation reports on the test fold. */
export const METRICS = ["uar", "accuracy", "recall", "confusion"] as const;
export type Metric = (typeof METRICS)[number];

/** Fold schemes that take a fold count (`folds 10 stratified`). */
export const COUNTED_FOLD_KINDS = ["stratified", "grouped"] as const;
export type CountedFoldKind = (typeof COUNTED_FOLD_KINDS)[number];
/** Every fold scheme: the counted ones, then one fold per group. */
export const FOLD_KINDS = [...COUNTED_FOLD_KINDS, "leave_one_group_out"] as const;
export type FoldKind = (typeof FOLD_KINDS)[number];

/** `audio`: a folder or glob of WAV files, extracted by pnnc to its eGeMAPS-like table. */
export const TABLE_FORMATS = ["csv", "opensmile", "arff", "audio"] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export const NORMALIZE_MODES = ["none", "global", "per_group"] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];

/** What a dataset does with a missing value. */
export const MISSING_POLICIES = ["error", "drop", "mean"] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

/**
 * What a dataset does with rows whose features are identical: `warn` (the default) keeps them and
 * says how many straddle folds, `keep` keeps them silently, `drop` keeps the first of each group.
 */
export const DUPLICATE_POLICIES = ["warn", "keep", "drop", "error"] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

/** How `fields` reads a file name: a `{name}` template, or a regex with named groups. */
export const PATTERN_KINDS = ["template", "regex"] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

/** TensorFlow.js backends, in the order `pnnc run` tries them. */
export const BACKENDS = ["gpu", "native", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What a run warning says about a column's training (run-warnings.ts), in results.json. */
export const RUN_WARNING_KINDS = [
  "late-best-epoch",
  "stopped-while-rising",
  "near-chance",
] as const;
export type RunWarningKind = (typeof RUN_WARNING_KINDS)[number];

/** Whether a word someone wrote is one of a list's, narrowing it to the list's type. */
export function isOneOf<T extends string>(words: readonly T[], word: string): word is T {
  return (words as readonly string[]).includes(word);
}
