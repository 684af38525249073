/**
 * What a trainable column is, to the trainer and the experiment driver: variables, a forward pass
 * and the list of columns it reads. pnnc's ColumnModel (built from the IR at run time) and every
 * generated column class (spelled out by `pnnc compile --target ts`) implement it, and both create
 * their variables through the helpers below, so the same spec gets the same initial weights.
 * In: TensorFlow.js. Out: the Column contract and seeded variable constructors.
 */
import type * as Tf from "@tensorflow/tfjs";
import { activeTape } from "./backward.js";
import { dropoutMultiplier } from "./dropout-mask.js";
import { hashSeed } from "./prng.js";
import type { Activation } from "./vocabulary.js";

export type Tensor2D = Tf.Tensor2D;

/** A hidden layer by 1-based index (`h2` is 2), or the output layer. */
export type LayerRef = number | "head";

export interface Dense {
  kernel: Tf.Variable;
  bias: Tf.Variable;
}

export interface Forward {
  hidden: Tensor2D[];
  logits: Tensor2D;
}

export interface Column {
  readonly id: string;
  /** Columns whose hidden activations forward() reads through laterals, in reading order. */
  readonly sources: readonly string[];
  readonly layers: readonly Dense[];
  readonly head: Dense;
  /**
   * `sourceHidden` holds every source column's hidden activations on the same rows. Dropout applies
   * only when `training`; `dropoutSeed` makes its masks reproducible.
   */
  forward(
    x: Tensor2D,
    sourceHidden: ReadonlyMap<string, Tensor2D[]>,
    training: boolean,
    dropoutSeed?: number,
  ): Forward;
  /** The variables the optimizer may change: all but the frozen layers. */
  trainable(frozen: ReadonlySet<LayerRef>): Tf.Variable[];
  /** Every variable, keyed `column/h1/kernel`, `column/lateral0/h2/U_source`, …. */
  variables(): Map<string, Tf.Variable>;
  dispose(): void;
}

/** tfjs variable names are global; each column instance gets its own prefix. */
let instances = 0;

/**
 * Creates a column's variables. Initial values depend only on (seed, column id, variable name), never
 * on creation order, so a column's weights do not change when another column is added to the spec.
 */
export class VariableMaker {
  private readonly prefix: string;
  readonly made: [name: string, variable: Tf.Variable][] = [];

  constructor(
    private readonly tf: typeof Tf,
    private readonly column: string,
    private readonly seed: number,
  ) {
    this.prefix = `${column}#${++instances}`;
  }

  private variable(name: string, make: () => Tf.Tensor): Tf.Variable {
    // tf.tidy frees the initial value once the variable holds it (variables are kept).
    const v = this.tf.tidy(() => this.tf.variable(make(), true, `${this.prefix}/${name}`));
    this.made.push([`${this.column}/${name}`, v]);
    return v;
  }

  /** Glorot-uniform weights, seeded per variable. */
  glorot(name: string, rows: number, cols: number): Tf.Variable {
    const limit = Math.sqrt(6 / (rows + cols));
    const seed = hashSeed(this.seed, this.column, name);
    return this.variable(name, () =>
      this.tf.randomUniform([rows, cols], -limit, limit, "float32", seed),
    );
  }

  zeros(name: string, n: number): Tf.Variable {
    return this.variable(name, () => this.tf.zeros([n]));
  }

  scalar(name: string, value: number): Tf.Variable {
    return this.variable(name, () => this.tf.scalar(value));
  }

  copy(name: string, from: Tf.Variable): Tf.Variable {
    return this.variable(name, () => from.clone());
  }

  /** A fresh dense layer `name` (kernel rows × cols, zero bias). */
  dense(name: string, rows: number, cols: number): Dense {
    return {
      kernel: this.glorot(`${name}/kernel`, rows, cols),
      bias: this.zeros(`${name}/bias`, cols),
    };
  }

  /** A dense layer initialised from another column's (`init from`, PT/FT). */
  copyDense(name: string, from: Dense): Dense {
    return {
      kernel: this.copy(`${name}/kernel`, from.kernel),
      bias: this.copy(`${name}/bias`, from.bias),
    };
  }

  /** A hidden layer: fresh, or a copy of `from` (a hidden layer of the `init from` column). */
  hidden(name: string, rows: number, cols: number, from: Dense | undefined): Dense {
    return from ? this.copyDense(name, from) : this.dense(name, rows, cols);
  }

  variables(): Map<string, Tf.Variable> {
    return new Map(this.made);
  }

  dispose(): void {
    for (const [, v] of this.made) v.dispose();
  }
}

export type { Activation };

/*
 * The forward pass's building blocks. ColumnModel and generated columns call the same ones in the
 * same order, which is what makes their results bit-identical on one backend.
 */

/*
 * Each block notes its operations on the active forward tape (backward.ts), if any, so the trainer
 * can take the gradient without tfjs's tape: an operation here that bypasses those helpers would be
 * invisible to it.
 */

function matMul(tf: typeof Tf, a: Tensor2D, b: Tf.Tensor): Tensor2D {
  const out = tf.matMul(a, b as Tensor2D) as Tensor2D;
  activeTape()?.matMul(out, a, b);
  return out;
}

function plus(tf: typeof Tf, a: Tensor2D, b: Tf.Tensor): Tensor2D {
  const out = tf.add(a, b) as Tensor2D;
  activeTape()?.add(out, a, b);
  return out;
}

/** x·W + b */
export function affine(tf: typeof Tf, x: Tensor2D, layer: Dense): Tensor2D {
  return plus(tf, matMul(tf, x, layer.kernel), layer.bias);
}

/** z + h·U: one source's term of a linear lateral (Rusu Eq. 1). */
export function addLinear(tf: typeof Tf, z: Tensor2D, h: Tensor2D, u: Tf.Variable): Tensor2D {
  return plus(tf, z, matMul(tf, h, u));
}

export interface Adapter {
  alpha: Tf.Variable;
  v: Tf.Variable;
  c: Tf.Variable;
  u: Tf.Variable;
}

/** z + f(V·[α h_j]_j + c)·U: an adapter lateral over the concatenated sources (Rusu Eq. 2). */
export function addAdapter(
  tf: typeof Tf,
  z: Tensor2D,
  hs: Tensor2D[],
  adapter: Adapter,
  f: Activation,
): Tensor2D {
  // Sources are frozen columns: their activations (and so `joined`) never need a gradient.
  const joined = hs.length === 1 ? (hs[0] as Tensor2D) : tf.concat(hs, 1);
  const scaled = tf.mul(joined, adapter.alpha) as Tensor2D;
  activeTape()?.scale(scaled, joined, adapter.alpha);
  const projected = activate(tf, plus(tf, matMul(tf, scaled, adapter.v), adapter.c), f);
  return plus(tf, z, matMul(tf, projected, adapter.u));
}

export function activate(tf: typeof Tf, z: Tensor2D, f: Activation): Tensor2D {
  const y = applyActivation(tf, z, f);
  if (f !== "linear") activeTape()?.activation(y, z, f);
  return y;
}

function applyActivation(tf: typeof Tf, z: Tensor2D, f: Activation): Tensor2D {
  switch (f) {
    case "linear":
      return z;
    case "relu":
      return tf.relu(z);
    case "sigmoid":
      return tf.sigmoid(z);
    case "tanh":
      return tf.tanh(z);
    case "elu":
      return tf.elu(z);
    case "selu":
      return tf.selu(z);
    case "softplus":
      return tf.softplus(z);
  }
}

/**
 * Dropout with a mask seeded by (dropout seed, column, layer index), so reruns repeat it. The mask
 * is tf.dropout's, made in one loop (dropout-mask.ts): tfjs's per-number generator cost as much as
 * a hidden layer's matmul.
 */
export function dropout(
  tf: typeof Tf,
  h: Tensor2D,
  rate: number,
  seed: number,
  column: string,
  layerIndex: number,
): Tensor2D {
  const mask = tf.tensor2d(
    dropoutMultiplier(h.size, rate, hashSeed(seed, column, layerIndex)),
    h.shape,
  );
  const out = tf.mul(h, mask) as Tensor2D;
  activeTape()?.mask(out, h, mask);
  return out;
}

/** Hidden layer `layer` (1-based) of a source column, as the caller passed it in. */
export function hiddenLayer(
  sourceHidden: ReadonlyMap<string, Tensor2D[]>,
  column: string,
  layer: number,
): Tensor2D {
  const h = sourceHidden.get(column)?.[layer - 1];
  if (!h) throw new Error(`internal: no activations of \`${column}\`.h${layer}`);
  return h;
}
