/**
 * An independent Float64 reference for the progressive-network maths, micrograd style: matrices with
 * backward closures, six ops, and columns written from Rusu et al. 2016 (Eq. 1 linear laterals, Eq. 2
 * adapters, the head reading each source's last hidden layer). Shares nothing with src/ or tfjs.
 */

export type Act = "linear" | "relu" | "sigmoid" | "tanh";

/** A row-major rows × cols matrix that remembers how to pass its gradient to its parents. */
export class Mat {
  readonly grad: Float64Array;
  back: () => void = () => {};

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float64Array,
    readonly parents: Mat[] = [],
  ) {
    this.grad = new Float64Array(data.length);
  }

  static of(rows: number, cols: number, values: ArrayLike<number>): Mat {
    if (values.length !== rows * cols)
      throw new Error(`${values.length} values for ${rows}×${cols}`);
    return new Mat(rows, cols, Float64Array.from(values));
  }
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const out = new Mat(a.rows, b.cols, new Float64Array(a.rows * b.cols), [a, b]);
  const [n, m, p] = [a.rows, a.cols, b.cols];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < m; k++)
      for (let j = 0; j < p; j++) out.data[i * p + j]! += a.data[i * m + k]! * b.data[k * p + j]!;
  out.back = () => {
    for (let i = 0; i < n; i++)
      for (let k = 0; k < m; k++)
        for (let j = 0; j < p; j++) {
          const g = out.grad[i * p + j]!;
          a.grad[i * m + k]! += g * b.data[k * p + j]!;
          b.grad[k * p + j]! += g * a.data[i * m + k]!;
        }
  };
  return out;
}

/** a + b, where b has a's shape or is one row added to every row (a bias). */
export function add(a: Mat, b: Mat): Mat {
  const row = b.rows === 1 && a.rows !== 1;
  if (b.cols !== a.cols || (!row && b.rows !== a.rows)) throw new Error("add: shapes differ");
  const at = (i: number) => (row ? i % a.cols : i);
  const sum = a.data.map((v, i) => v + b.data[at(i)]!);
  const out = new Mat(a.rows, a.cols, sum, [a, b]);
  out.back = () =>
    out.grad.forEach((g, i) => {
      a.grad[i]! += g;
      b.grad[at(i)]! += g;
    });
  return out;
}

/** a · s for a 1 × 1 matrix s (the adapter's α). */
export function scale(a: Mat, s: Mat): Mat {
  const k = s.data[0]!;
  const out = new Mat(
    a.rows,
    a.cols,
    a.data.map((v) => v * k),
    [a, s],
  );
  out.back = () =>
    out.grad.forEach((g, i) => {
      a.grad[i]! += g * k;
      s.grad[0]! += g * a.data[i]!;
    });
  return out;
}

/** Each activation's value and slope (from its input z and output y). */
const ACTS: Record<Act, [(z: number) => number, (z: number, y: number) => number]> = {
  linear: [(z) => z, () => 1],
  relu: [(z) => Math.max(0, z), (z) => (z > 0 ? 1 : 0)],
  sigmoid: [(z) => 1 / (1 + Math.exp(-z)), (_, y) => y * (1 - y)],
  tanh: [Math.tanh, (_, y) => 1 - y * y],
};

export function act(a: Mat, f: Act): Mat {
  const [value, slope] = ACTS[f];
  const out = new Mat(a.rows, a.cols, a.data.map(value), [a]);
  out.back = () =>
    out.grad.forEach((g, i) => {
      a.grad[i]! += g * slope(a.data[i]!, out.data[i]!);
    });
  return out;
}

/** The matrices side by side (same rows). */
export function concat(ms: Mat[]): Mat {
  const rows = ms[0]?.rows ?? 0;
  const cols = ms.reduce((n, m) => n + m.cols, 0);
  const out = new Mat(rows, cols, new Float64Array(rows * cols), ms);
  const each = (visit: (m: Mat, from: number, to: number) => void) => {
    let offset = 0;
    for (const m of ms) {
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < m.cols; c++) visit(m, r * m.cols + c, r * cols + offset + c);
      offset += m.cols;
    }
  };
  each((m, from, to) => (out.data[to] = m.data[from]!));
  out.back = () => each((m, from, to) => (m.grad[from]! += out.grad[to]!));
  return out;
}

/** Mean over rows of −log softmax(logits)[label]: a 1 × 1 matrix. */
export function crossEntropy(logits: Mat, labels: readonly number[]): Mat {
  const { rows: n, cols: k } = logits;
  const probs = new Float64Array(n * k);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const row = logits.data.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    const sum = row.reduce((s, z) => s + Math.exp(z - max), 0);
    row.forEach((z, c) => (probs[r * k + c] = Math.exp(z - max) / sum));
    loss -= Math.log(probs[r * k + labels[r]!]!) / n;
  }
  const out = new Mat(1, 1, Float64Array.of(loss), [logits]);
  out.back = () =>
    probs.forEach((p, i) => {
      const target = labels[Math.floor(i / k)] === i % k ? 1 : 0;
      logits.grad[i]! += (out.grad[0]! * (p - target)) / n;
    });
  return out;
}

/** Backpropagates from a 1 × 1 matrix through everything it was computed from. */
export function backward(loss: Mat): void {
  const order: Mat[] = [];
  const seen = new Set<Mat>();
  const visit = (m: Mat) => {
    if (seen.has(m)) return;
    seen.add(m);
    m.parents.forEach(visit);
    order.push(m);
  };
  visit(loss);
  loss.grad[0] = 1;
  for (const m of order.reverse()) m.back();
}

/* A progressive column, written from the paper. */

export type Target = number | "head";
export interface Link {
  into: Target;
  from: string[];
  /** Linear (Eq. 1): one U per source. Adapter (Eq. 2): a single U after α, V, c and f. */
  u: Mat[];
  adapter: { alpha: Mat; v: Mat; c: Mat; f: Act } | null;
}
export interface RefColumn {
  id: string;
  layers: { w: Mat; b: Mat; f: Act }[];
  head: { w: Mat; b: Mat };
  links: Link[];
}
export interface RefOutput {
  hidden: Mat[];
  logits: Mat;
}

/** Which of a source's hidden layers feeds a target: h_{i-1} for hidden layer i, the last for the head. */
export type Wiring = (sourceHidden: Mat[], into: Target) => Mat | undefined;
export const rusuWiring: Wiring = (h, into) => (into === "head" ? h.at(-1) : h[into - 2]);

function lateral(link: Link, earlier: ReadonlyMap<string, RefOutput>, wiring: Wiring): Mat {
  const hs = link.from.map((s) => {
    const h = wiring(earlier.get(s)?.hidden ?? [], link.into);
    if (!h) throw new Error(`no layer of \`${s}\` feeds ${link.into}`);
    return h;
  });
  const u = (k: number) => link.u[k] ?? Mat.of(0, 0, []);
  if (!link.adapter) return hs.map((h, k) => matmul(h, u(k))).reduce(add);
  const { alpha, v, c, f } = link.adapter;
  return matmul(act(add(matmul(scale(concat(hs), alpha), v), c), f), u(0));
}

/** z plus every lateral term into `into`. */
function withLaterals(
  z: Mat,
  into: Target,
  col: RefColumn,
  earlier: ReadonlyMap<string, RefOutput>,
  wiring: Wiring,
): Mat {
  const links = col.links.filter((l) => l.into === into);
  return links.reduce((acc, l) => add(acc, lateral(l, earlier, wiring)), z);
}

/** Every column's forward pass on x, in the given (dependency) order. */
export function forwardAll(
  cols: readonly RefColumn[],
  x: Mat,
  wiring: Wiring = rusuWiring,
): Map<string, RefOutput> {
  const out = new Map<string, RefOutput>();
  for (const col of cols) {
    const hidden: Mat[] = [];
    let h = x;
    col.layers.forEach((l, i) => {
      h = act(withLaterals(add(matmul(h, l.w), l.b), i + 1, col, out, wiring), l.f);
      hidden.push(h);
    });
    const z = add(matmul(h, col.head.w), col.head.b);
    out.set(col.id, { hidden, logits: withLaterals(z, "head", col, out, wiring) });
  }
  return out;
}
