/**
 * The diagnostic catalog: every stable code with its severity, title and explanation.
 * In: nothing. Out: `catalog`, the `Code` type, and `explain(code)` for `pnnc explain`.
 * Codes never change meaning: PNN1xxx syntax, PNN2xxx schema, PNN3xxx semantic, PNN4xxx data/runtime,
 * PNN5xxx protocol and comparison (specs run or compared together, and the options of `run` and
 * `compare`; no single spec's text shows these, so they have no invalid-spec fixture).
 */

export type Severity = "error" | "warning";

export interface CatalogEntry {
  severity: Severity;
  title: string;
  explanation: string;
}

export const catalog = {
  PNN1001: {
    severity: "error",
    title: "unexpected character",
    explanation:
      "The lexer met a character that starts no token of the language, such as `@` or `#`.",
  },
  PNN1002: {
    severity: "error",
    title: "unterminated string",
    explanation: 'A string literal must close with `"` on the line where it opens.',
  },
  PNN1003: {
    severity: "error",
    title: "unterminated block comment",
    explanation: "A block comment opened with `/*` never closes with `*/`.",
  },
  PNN1004: {
    severity: "error",
    title: "expected token",
    explanation: "The parser needed one particular token here, for example a `}` or a name.",
  },
  PNN1005: {
    severity: "error",
    title: "unexpected token",
    explanation:
      "The token cannot start or continue any construct at this point. The message lists what may come here.",
  },
  PNN1006: {
    severity: "error",
    title: "unexpected end of file",
    explanation:
      "The file ended inside a construct, most often a block whose `{` has no matching `}`.",
  },
  PNN1007: {
    severity: "error",
    title: "not a text file",
    explanation:
      "A spec must be UTF-8 text. The file holds NUL bytes or bytes that are not valid UTF-8.",
  },
  PNN1008: {
    severity: "error",
    title: "empty spec",
    explanation:
      "The file holds no declarations. A spec starts with a header such as `pnn 2 my_experiment`.",
  },
  PNN1009: {
    severity: "error",
    title: "spec too large",
    explanation:
      "Specs larger than 1 MiB or 250,000 tokens are refused before parsing (a 1000-column spec is about 200 KB); a spec describes an experiment, not data.",
  },
  PNN1010: {
    severity: "error",
    title: "invalid escape sequence",
    explanation: 'Strings accept the escapes `\\"`, `\\\\`, `\\n` and `\\t` only.',
  },
  PNN1011: {
    severity: "error",
    title: "nesting too deep",
    explanation: "Blocks and lists nest at most 64 deep; deeper nesting is refused before parsing.",
  },
  PNN2000: {
    severity: "error",
    title: "invalid value",
    explanation: "The value breaks a rule of the IR schema that no more specific code covers.",
  },
  PNN2001: {
    severity: "error",
    title: "wrong type",
    explanation:
      "The setting takes a different kind of literal, for example a number where a name was written.",
  },
  PNN2002: {
    severity: "error",
    title: "value out of range",
    explanation:
      "The number is outside the range the setting accepts (widths and epochs are positive, dropout is in [0, 1), and so on).",
  },
  PNN2003: {
    severity: "error",
    title: "unknown option",
    explanation: "The setting takes one of a fixed set of words; the message lists them.",
  },
  PNN2004: {
    severity: "error",
    title: "invalid list",
    explanation: "The list must not be empty and must not repeat an item.",
  },
  PNN2005: {
    severity: "error",
    title: "missing setting",
    explanation:
      "A required setting is absent, such as a dataset's `file`, a task's `label` or a column's `task`.",
  },
  PNN3001: {
    severity: "error",
    title: "duplicate name",
    explanation:
      "Two declarations of the same kind (datasets, tasks, columns or stages) share a name.",
  },
  PNN3002: {
    severity: "error",
    title: "duplicate setting",
    explanation: "A setting is given twice in one block; only one can hold.",
  },
  PNN3003: {
    severity: "error",
    title: "invalid item",
    explanation:
      "The item has a form this place does not accept: a range (`a .. b`) outside `features`, a layer reference (`col.h2`) outside `freeze`, or a literal of the wrong shape.",
  },
  PNN3004: {
    severity: "error",
    title: "unknown dataset",
    explanation: "The name does not refer to a declared dataset.",
  },
  PNN3005: {
    severity: "error",
    title: "unknown task",
    explanation: "The name does not refer to a declared task.",
  },
  PNN3006: {
    severity: "error",
    title: "unknown column",
    explanation: "The name does not refer to a declared column.",
  },
  PNN3007: {
    severity: "error",
    title: "unknown layer",
    explanation:
      "Hidden layers are named `h1`..`hN` in declaration order after `repeat` is expanded, and the output layer is `head`. The layer does not exist in that column.",
  },
  PNN3008: {
    severity: "error",
    title: "source not trained earlier",
    explanation:
      "A lateral link or `init from` reads a column that is not trained in an earlier stage. Progressive networks only read frozen, already-trained columns, so the column graph is acyclic in stage order.",
  },
  PNN3009: {
    severity: "error",
    title: "lateral into the first layer",
    explanation:
      "Layer `h1` reads the input features, which every column shares; a lateral into layer i reads layer i-1 of the source, so laterals start at `h2`.",
  },
  PNN3010: {
    severity: "error",
    title: "head size mismatch",
    explanation: "A column's output layer has one unit per class of its task.",
  },
  PNN3011: {
    severity: "error",
    title: "init shape mismatch",
    explanation:
      "`init from` copies every hidden layer of the source column, so both columns need the same number of hidden layers with the same widths.",
  },
  PNN3012: {
    severity: "error",
    title: "frozen before trained",
    explanation:
      "A stage freezes a column (or layer) that no earlier stage trains, so there are no weights to freeze.",
  },
  PNN3013: {
    severity: "error",
    title: "lateral source not frozen",
    explanation:
      "A column trained in a stage reads another column through a lateral link; that column must be listed in the stage's `freeze` set so its weights provably never move. Freezing a column also freezes every column it reads, directly or through its own laterals.",
  },
  PNN3014: {
    severity: "warning",
    title: "column never trained",
    explanation: "No stage trains the column, so it has random weights.",
  },
  PNN3015: {
    severity: "error",
    title: "column trained twice",
    explanation:
      "Each column is trained in exactly one stage; later stages add new columns instead.",
  },
  PNN3016: {
    severity: "error",
    title: "feature mismatch",
    explanation:
      "A lateral link or `init from` feeds one column's data through another column, so both datasets must select the same feature columns.",
  },
  PNN3017: {
    severity: "error",
    title: "class map conflict",
    explanation:
      "The task's `classes`, `merge` and `drop` contradict each other: a class both kept and dropped, merged into a class that is not kept, or listed twice.",
  },
  PNN3018: {
    severity: "error",
    title: "needs a group column",
    explanation:
      "Group-independent and leave-one-group-out folds, and per-group normalisation, work on a grouping column (the speaker); the dataset declares no `group`. (Stratified folds use the group when there is one.)",
  },
  PNN3019: {
    severity: "error",
    title: "too few folds",
    explanation:
      "Each run uses one test fold and `validation` early-stop folds; at least one fold must remain for training, and `train_folds` cannot exceed what remains.",
  },
  PNN3020: {
    severity: "error",
    title: "invalid comparison",
    explanation:
      "Methods compared side by side must be columns of the same task, and the baseline must be one of them.",
  },
  PNN3021: {
    severity: "error",
    title: "unsupported language version",
    explanation:
      "The header's language version is not one this pnnc reads: it reads versions 1 and 2 and writes 2, the current one. A spec for a newer version needs a newer pnnc; `pnnc upgrade FILE --write` migrates an older one to the current version.",
  },
  PNN3022: {
    severity: "error",
    title: "nothing to train",
    explanation:
      "A spec needs at least one column and a `training` block with at least one `stage`.",
  },
  PNN3023: {
    severity: "warning",
    title: "label used as feature",
    explanation:
      "The feature selection may include the label or group column, which leaks the answer into the input. Name it in `except`. `pnnc check` sees no data, so for `features numeric` it warns that the column may be selected; once the data is loaded (`run`, `compare`, `data inspect`) the warning stays only when the column really is selected, that is when its values are numbers.",
  },
  PNN3024: {
    severity: "warning",
    title: "groups unseen in training",
    explanation:
      "The task predicts the grouping column, but group-independent folds keep every test group out of training, so the task cannot be learned.",
  },
  PNN3025: {
    severity: "error",
    title: "early stopping without validation",
    explanation: "Early stopping watches the validation folds; with `validation 0` there are none.",
  },
  PNN3026: {
    severity: "error",
    title: "frozen and trained",
    explanation: "A stage both trains and freezes the same column.",
  },
  PNN3027: {
    severity: "error",
    title: "syntax of another language version",
    explanation:
      "A keyword belongs to a different language version than the spec's header declares: version 2 renamed `early_stop` to `early_stopping`. `pnnc upgrade FILE --write` migrates a version-1 spec, comments included.",
  },
  PNN3028: {
    severity: "error",
    title: "early stopping and best epoch together",
    explanation:
      "`early_stopping` and `best_epoch` each decide which epoch's weights a stage keeps, so one block or stage sets at most one of them. `best_epoch METRIC` trains every epoch of the budget and keeps the one that scored best on the validation folds; `early_stopping METRIC patience N` keeps the best too, but stops once N epochs in a row have not improved on it. A stage's own setting replaces the `training` block's, whichever kind each is.",
  },
  PNN3029: {
    severity: "warning",
    title: "patience never runs out",
    explanation:
      "Early stopping ends training once `patience` epochs in a row have not improved on the best. The first epoch is always the best so far, so at most `epochs` - 1 epochs can follow it: a patience of `epochs` - 1 or more can never stop training before its last epoch. The spec still runs (every epoch, keeping the best), which is what `best_epoch METRIC` says plainly; a warning rather than an error, since the result is well defined, but the patience is almost certainly a mistake, for example an `epochs` lowered for a quick try.",
  },
  PNN3030: {
    severity: "error",
    title: "best epoch without validation",
    explanation:
      "`best_epoch` scores every epoch on the validation folds and keeps the best; with `validation 0` there are no validation folds to score on. (For `early_stopping` the same problem is PNN3025.)",
  },
  PNN3031: {
    severity: "error",
    title: "column derived twice",
    explanation:
      "A dataset's derivations (`fields`, `derive NAME`, the columns a `join` takes, and those of a `preset`) each make new columns, and two of them make a column of the same name, so one would silently replace the other. Rename one (a raw code is usually named `…_code`), or leave the repeated column out of `take`.",
  },
  PNN3032: {
    severity: "error",
    title: "invalid field template",
    explanation:
      'A `fields COLUMN "TEMPLATE"` template is literal text with `{name}` placeholders, each matching the characters up to the text that follows it. It must hold at least one placeholder, each placeholder must be a name (a letter or `_`, then letters, digits or `_`), and two placeholders need text between them: in `{a}{b}` nothing says where `a` ends. Use `fields COLUMN regex "…"` for fixed-width parts.',
  },
  PNN3033: {
    severity: "error",
    title: "invalid field regex",
    explanation:
      'A `fields COLUMN regex "RE"` pattern is a JavaScript regular expression whose named groups `(?<name>…)` become the new columns: it must compile and have at least one named group. In a `.pnn` string a backslash is written `\\\\`, so the regex `\\d+` is written `"\\\\d+"` (or use `[0-9]+`).',
  },
  PNN3034: {
    severity: "error",
    title: "invalid code table",
    explanation:
      "A `derive NAME from COLUMN` code table maps each code once; `derive NAME from COLUMN parity [odd -> …, even -> …]` maps whole numbers by parity, so its keys are exactly `odd` and `even`.",
  },
  PNN3035: {
    severity: "error",
    title: "unknown preset",
    explanation:
      "`preset NAME on COLUMN` names one of the corpus conventions pnnc knows (`ravdess`, `cremad`, `emodb`, `savee`); the message lists them. Another corpus's file names are described with `fields` and `derive`.",
  },
  PNN4001: {
    severity: "error",
    title: "data file unreadable",
    explanation:
      "The file a `dataset` names does not exist or cannot be read. Relative paths are relative to the spec file.",
  },
  PNN4002: {
    severity: "error",
    title: "empty data file",
    explanation: "The data file holds nothing, not even a header.",
  },
  PNN4003: {
    severity: "error",
    title: "no data rows",
    explanation: "The data file has a header but no rows.",
  },
  PNN4004: {
    severity: "error",
    title: "malformed row",
    explanation:
      "A row has a different number of fields than the header, or the file cannot be parsed as the declared format.",
  },
  PNN4005: {
    severity: "error",
    title: "not a number",
    explanation: "A feature column holds a value that is not a decimal number.",
  },
  PNN4006: {
    severity: "error",
    title: "non-finite value",
    explanation:
      "A feature value is NaN or infinite; write a missing value as an empty field instead.",
  },
  PNN4007: {
    severity: "error",
    title: "duplicate column",
    explanation:
      "Two columns of the data file share a name, so a reference to it would be ambiguous.",
  },
  PNN4008: {
    severity: "error",
    title: "unknown data column",
    explanation: "The spec names a column that the data file's header does not have.",
  },
  PNN4009: {
    severity: "error",
    title: "single class",
    explanation:
      "After class maps and row filters, a task's label has fewer than two classes, or a class named in `classes` never occurs; there is nothing to learn. When `missing drop` dropped rows, the message says how many, as they may be where the class went.",
  },
  PNN4010: {
    severity: "error",
    title: "group too small",
    explanation:
      "With `stratified` folds every group (speaker) must have at least one row in every fold, so it needs as many rows as there are folds.",
  },
  PNN4011: {
    severity: "error",
    title: "class missing from training",
    explanation:
      "In some run, a class of a task has no row in the training folds, so the model cannot learn it.",
  },
  PNN4012: {
    severity: "error",
    title: "wrong separator",
    explanation:
      "The header parsed as a single column containing another separator; the file uses a different delimiter than the declared format.",
  },
  PNN4013: {
    severity: "error",
    title: "missing value",
    explanation:
      "A feature value is missing and the dataset's policy is `missing error`. Use `missing drop` or `missing mean` to accept such rows.",
  },
  PNN4014: {
    severity: "error",
    title: "unexpected label",
    explanation: "A row's label is neither a class of the task nor dropped nor merged.",
  },
  PNN4015: {
    severity: "error",
    title: "malformed ARFF",
    explanation: "The ARFF header is not `@relation`, `@attribute NAME TYPE` lines and `@data`.",
  },
  PNN4016: {
    severity: "error",
    title: "too few groups",
    explanation: "Group-independent folds need at least as many groups as folds.",
  },
  PNN4017: {
    severity: "error",
    title: "feature mismatch",
    explanation:
      "Datasets linked by laterals or `init from` select different feature columns from their files.",
  },
  PNN4018: {
    severity: "error",
    title: "invalid checkpoint",
    explanation:
      "`pnnc predict` checks a checkpoint's model.json before using it: feature names must be distinct strings, one per model input; classes at least two distinct strings, one per model output; the normalisation one of `none`, `global` or `per_group` (with its group column), with a finite mean and a positive finite standard deviation per feature, globally and for every group. A checkpoint that fails is not what `pnnc run` wrote; run the spec again to write a fresh one.",
  },
  PNN4019: {
    severity: "error",
    title: "corrupt checkpoint weights",
    explanation:
      "A checkpoint's weights.bin does not match its model.json: its length differs from what the weights manifest lists or from the length recorded when it was written, its SHA-256 differs from the recorded one, or a weight is NaN or infinite. The file was truncated, extended or altered after `pnnc run` wrote it (or training diverged); run the spec again.",
  },
  PNN4020: {
    severity: "warning",
    title: "checkpoint without checksum",
    explanation:
      "The checkpoint was written by a pnnc from before checkpoints recorded their weights' length and SHA-256. `pnnc predict` still checks the metadata, the weights' length against the manifest and that every weight is finite, but cannot detect a weight altered to another finite value. Run the spec again to write a checked checkpoint.",
  },
  PNN4021: {
    severity: "error",
    title: "value out of float32 range",
    explanation:
      "A feature value's magnitude exceeds float32's largest, about 3.4e38. Features are trained as 32-bit floats, where such a value would become infinite and every loss in its folds NaN. Rescale the column or write the value as missing.",
  },
  PNN4022: {
    severity: "error",
    title: "training diverged",
    explanation:
      "A column's training loss became NaN or infinite, so the run stops rather than report a model that learnt nothing. Usually the learning rate is too high for the optimizer, or features have extreme values; lower `learning_rate` or check the data. With `--keep-going`, `pnnc run` and `pnnc compare` instead leave that (repeat, fold) run out (never stored as done), report it as a warning and in `failedRuns`, and go on; they still fail when no run finished.",
  },
  PNN4023: {
    severity: "warning",
    title: "suspect feature column",
    explanation:
      "A selected feature column is empty (blank, `?`, `NA`) in more than half of the rows, or holds one value in every row used, so it carries little or no information; or the dataset's `missing drop` or `missing mean` policy drops or imputes more than 5% of its rows. The message names the columns responsible and the counts. Leave such columns out of `features` (or `except` them), or fill in the data.",
  },
  PNN4024: {
    severity: "warning",
    title: "duplicate feature rows",
    explanation:
      "Some rows of a dataset have identical features. When identical rows land in different folds, a model is tested on rows it was trained on, which inflates test scores (leakage). The message says how many rows repeat an earlier one and how many groups of identical rows straddle folds in the first repeat. Add `duplicates drop` to the dataset to keep the first row of each group, `duplicates keep` to keep them all without this warning, or `duplicates error` to refuse such data.",
  },
  PNN4025: {
    severity: "error",
    title: "duplicate feature rows refused",
    explanation:
      "The dataset says `duplicates error`, and some of its rows have identical features. The message names the counts and the first repeated line. Remove the repeated rows, or use `duplicates drop` to keep the first row of each group.",
  },
  PNN4026: {
    severity: "error",
    title: "data file is not UTF-8 text",
    explanation:
      'A data table must be UTF-8 (or ASCII) text; pnnc checks its first 64 KiB. The file is in another Unicode encoding (UTF-16 or UTF-32, as spreadsheet programs often save "Unicode text"), holds NUL bytes (a binary file), or holds bytes that are not valid UTF-8 (often Latin-1). Read as UTF-8 its header would be noise. Save the table as UTF-8 CSV.',
  },
  PNN4027: {
    severity: "error",
    title: "empty group",
    explanation:
      "A row's `group` cell (the speaker) is empty. Folds keep each group's rows together, so an empty cell would silently make one more group of every row that lacks it. Fill it in, or remove the row.",
  },
  PNN4028: {
    severity: "error",
    title: "file name does not match",
    explanation:
      "A dataset's `fields COLUMN \"TEMPLATE\"` (or `regex`) statement reads named fields from the file-name part of a path column (after the last `/` or `\\`, so Windows and POSIX paths both work), and some rows' file names do not match it. The message counts them and names the first few with their lines. A template without a `.` is matched against the name without its extension. Fix the pattern, or leave those rows out of the table.",
  },
  PNN4029: {
    severity: "error",
    title: "code without a mapping",
    explanation:
      "A `derive NAME from COLUMN [...]` statement maps each value of a column to a name, and some values have no mapping (or, with `parity`, are not whole numbers). The message lists the codes without a mapping and the first rows that hold them. Add the missing mappings, or leave those rows out of the table.",
  },
  PNN4030: {
    severity: "error",
    title: "join key problem",
    explanation:
      "A `join FILE on COLUMN = KEY` statement brings in a metadata table's columns: every row's `COLUMN` value must match the `KEY` of exactly one row of that table. The message names the rows whose key matches none (with their lines), or the two lines of the joined table that share a key, or a key or `take` column the joined table lacks. Complete or deduplicate the joined table, or leave the unmatched rows out.",
  },
  PNN4031: {
    severity: "error",
    title: "derived column clashes",
    explanation:
      "A derivation (`fields`, `derive`, `join` or a `preset`) would make a column that the table already has, or that an earlier derivation made. pnnc never overwrites a column silently: rename the derived column (a template's placeholder, a `derive` name, or the joined columns with `take`), or use the existing column.",
  },
  PNN4032: {
    severity: "error",
    title: "no audio to extract",
    explanation:
      'A dataset with `format audio` names a folder or glob of WAV files (relative to the spec), which pnnc reads and turns into its eGeMAPS-like table. This error means the pattern matched no file, that none of the matched files could be read (the message gives the first file and why), or that the extracted table could not be written to the cache (set PNNC_CACHE to a writable folder). Check the pattern, e.g. `file "wav/**/*.wav"`.',
  },
  PNN4033: {
    severity: "warning",
    title: "audio files left out",
    explanation:
      "Some of the files a `format audio` dataset names could not be read: not a WAV file, truncated, an unsupported encoding (A-law, μ-law, compressed), or longer than an hour. The message says how many and names them with the reason; the run goes on with the others. Convert or remove those files (e.g. `sox in.wav -e signed-integer out.wav`). Files that read but hold no voiced frame are not left out: their voice parameters are missing values, handled by the dataset's `missing` policy.",
  },
  PNN5001: {
    severity: "error",
    title: "duplicate method name",
    explanation:
      "Two compared specs have the same name. Methods and their result files are named after their specs, so the names must differ.",
  },
  PNN5002: {
    severity: "error",
    title: "different protocols",
    explanation:
      "Compared specs declare different `evaluation` protocols (folds, repeats, seed or validation folds). Methods are compared run by run, so every spec needs the same protocol.",
  },
  PNN5003: {
    severity: "error",
    title: "too few methods",
    explanation:
      "A comparison needs two or more methods on the compared task: one spec each, or one spec listing them in `evaluation { compare [...] }`.",
  },
  PNN5004: {
    severity: "error",
    title: "methods on different runs",
    explanation:
      "A compared method reads another data file or defines its task differently (label, classes, merge, drop), so its test rows differ and the paired test would be meaningless.",
  },
  PNN5005: {
    severity: "error",
    title: "unknown baseline",
    explanation: "`--baseline` names none of the compared methods; the message lists them.",
  },
  PNN5006: {
    severity: "error",
    title: "more repeats than the protocol",
    explanation:
      "`--repeats N` runs the protocol's first N repeats, so N cannot exceed the `repeats` of the specs' `evaluation`.",
  },
  PNN5007: {
    severity: "error",
    title: "unknown backend",
    explanation:
      "`--backend` takes `gpu`, `native`, `wasm` or `cpu`. Without it pnnc uses the first of them that loads.",
  },
  PNN5008: {
    severity: "error",
    title: "invalid option value",
    explanation:
      "A numeric option is out of its range: `--workers` takes 1 to 64, `--repeats` and `--df` a whole number of at least 1, `--shard` a slice I/N with 1 ≤ I ≤ N, `--runs-per-task` and `--max-running` a whole number of at least 1, `--cpus-per-task` 1 to 64.",
  },
  PNN5009: {
    severity: "error",
    title: "runs missing to assemble",
    explanation:
      "`--assemble` writes the results from the run store only, and some (repeat, fold) runs of the protocol are not stored yet: a slice (`--shard I/N` or a Slurm array task) has not finished, failed or was cancelled. The message names them; `pnnc status DIR` shows which are still running. Train them (run the slice again, or resubmit: only missing runs are trained) and assemble again.",
  },
  PNN5010: {
    severity: "error",
    title: "cannot submit to Slurm",
    explanation:
      "`--slurm` writes the job scripts into DIR/slurm/ and submits them with `sbatch`, which failed: `sbatch` is not on the PATH (not a Slurm login node), it refused the job (its message is shown: an unknown partition or account, a time limit too long), or DIR already has a submission that is queued or running (wait for it, or `scancel` it, then submit again: only missing runs are submitted). `--dry-run` prints the scripts without submitting.",
  },
} as const satisfies Record<string, CatalogEntry>;

export type Code = keyof typeof catalog;

export function isCode(code: string): code is Code {
  return Object.hasOwn(catalog, code);
}
