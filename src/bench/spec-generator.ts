/**
 * Synthetic specs for the benchmark: a column count in, the text of a valid `.pnn` spec out.
 * Column k (k ≥ 2) reads column k−1 through one lateral into `all`, so the lateral count grows
 * linearly with N; each column trains in its own stage and freezes exactly what it reads.
 */

/** The tasks the columns cycle through: [id, label, classes line or null]. */
const TASKS: readonly (readonly [string, string, string | null])[] = [
  ["speaker", "speaker", null],
  ["gender", "gender", "classes [female, male]"],
  ["emotion", "emotion", "classes [angry, happy, neutral, sad, calm, disgust, fearful, surprised]"],
];

/**
 * Hidden layers of column k (1-based): cycles 2, 3, 4. `lateral … into all` feeds h2..hL and the
 * head, and hL reads the source's h(L−1), so a column may be at most one layer deeper than the
 * column before it; the cycle 2→3→4→2 keeps that true.
 */
function layerCount(k: number): number {
  return 2 + ((k - 1) % 3);
}

function header(columns: number): string {
  return `// Synthetic benchmark spec: ${columns} columns in a chain of laterals.
pnn 1 bench_${columns}

dataset ravdess {
  file "data/ravdess_egemaps.csv"
  features numeric except [speaker, gender, emotion]
  group speaker
  normalize global
}
`;
}

function tasks(): string {
  return TASKS.map(([id, label, classes]) => {
    const lines = [`task ${id} {`, `  data ravdess`, `  label ${label}`];
    if (classes !== null) lines.push(`  ${classes}`);
    return lines.join("\n") + "\n}\n";
  }).join("\n");
}

function column(k: number): string {
  const task = TASKS[(k - 1) % TASKS.length]?.[0] ?? "speaker";
  const width = 64 + 32 * (k % 4);
  const lines = [`column c${k} {`, `  task ${task}`, `  layers {`];
  for (let i = 0; i < layerCount(k); i++) lines.push(`    dense ${width} relu dropout 0.2`);
  lines.push(`  }`);
  if (k >= 2) lines.push(`  lateral from c${k - 1} into all`);
  return lines.join("\n") + "\n}\n";
}

function stage(k: number): string {
  const freeze = k >= 2 ? ` freeze c${k - 1}` : "";
  return `  stage s${k} { train c${k}${freeze} }`;
}

function training(columns: number): string {
  const stages = Array.from({ length: columns }, (_, i) => stage(i + 1));
  return `training {
  optimizer adam
  learning_rate 0.001
  batch 32
  epochs 100
  seed 1
${stages.join("\n")}
}
`;
}

const EVALUATION = `evaluation {
  folds 10 stratified
  repeats 1
  validation 1
  metrics [uar, accuracy]
}
`;

/** The text of a valid spec with `columns` columns (at least 1). */
export function generateSpec(columns: number): string {
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`generateSpec: columns must be a positive integer, got ${columns}`);
  }
  const body = Array.from({ length: columns }, (_, i) => column(i + 1));
  return [header(columns), tasks(), ...body, training(columns), EVALUATION].join("\n");
}
