/**
 * One progressive-network column as TensorFlow.js variables and a forward pass:
 *   h_i = f(W_i h_{i-1} + b_i + Σ_j U_i^(j) h_{i-1}^(j))              linear laterals (Rusu Eq. 1)
 *   h_i = f(W_i h_{i-1} + b_i + U_i σ(V_i [α_i h_{i-1}^(j)]_j + c_i))  adapter laterals (Eq. 2)
 * and the head reads each source's last hidden layer the same way. Sources' hidden activations are
 * passed in (the trainer computes frozen ones once and caches them).
 * In: the IR column, input width, class count, source models, a seed. Out: variables and forward().
 */
import type * as Tf from "@tensorflow/tfjs";
import type { Activation, ColumnIr, LayerRef } from "../ir/types.js";
import { hashSeed } from "../runtime/prng.js";
import {
  VariableMaker,
  type Column,
  type Dense,
  type Forward,
  type Tensor2D,
} from "../runtime/column.js";

interface Link {
  into: LayerRef;
  sources: string[];
  /** Linear: one U per source. Adapter: α, V, c over the concatenated sources, then one U. */
  u: Tf.Variable[];
  adapter: { alpha: Tf.Variable; v: Tf.Variable; c: Tf.Variable; activation: Activation } | null;
}

export class ColumnModel implements Column {
  readonly layers: Dense[];
  readonly head: Dense;
  readonly links: Link[];
  readonly activations: Activation[];
  readonly dropout: number[];
  readonly id: string;
  readonly sources: string[];
  private readonly maker: VariableMaker;

  constructor(
    private readonly tf: typeof Tf,
    readonly ir: ColumnIr,
    inputDim: number,
    classes: number,
    built: ReadonlyMap<string, Column>,
    seed: number,
  ) {
    this.id = ir.id;
    const make = new VariableMaker(tf, ir.id, seed);
    this.maker = make;
    const copied = ir.init === null ? undefined : built.get(ir.init);
    const widths = [inputDim, ...ir.layers.map((l) => l.units)];
    this.layers = ir.layers.map((l, i) => {
      const from = copied?.layers[i];
      const name = `h${i + 1}`;
      return from ? make.copyDense(name, from) : make.dense(name, widths[i] ?? 0, l.units);
    });
    this.activations = ir.layers.map((l) => l.activation);
    this.dropout = ir.layers.map((l) => l.dropout);
    const last = widths.at(-1) ?? inputDim;
    this.head = make.dense("head", last, classes);
    const targetWidth = (into: LayerRef) => (into === "head" ? classes : (widths[into] ?? 0));
    const sourceWidth = (source: string, into: LayerRef) => {
      const s = built.get(source);
      const layer = into === "head" ? (s?.layers.length ?? 0) : into - 1;
      return s?.layers[layer - 1]?.kernel.shape[1] ?? 0;
    };
    this.sources = ir.laterals.flatMap((l) => l.into.flatMap(() => l.from));
    this.links = ir.laterals.flatMap((lateral, j) =>
      lateral.into.map((into): Link => {
        const name = `lateral${j}/${into === "head" ? "head" : `h${into}`}`;
        if (lateral.kind === "linear") {
          const u = lateral.from.map((s) =>
            make.glorot(`${name}/U_${s}`, sourceWidth(s, into), targetWidth(into)),
          );
          return { into, sources: lateral.from, u, adapter: null };
        }
        const concat = lateral.from.reduce((n, s) => n + sourceWidth(s, into), 0);
        return {
          into,
          sources: lateral.from,
          u: [make.glorot(`${name}/U`, lateral.width, targetWidth(into))],
          adapter: {
            alpha: make.scalar(`${name}/alpha`, lateral.alpha),
            v: make.glorot(`${name}/V`, concat, lateral.width),
            c: make.zeros(`${name}/c`, lateral.width),
            activation: lateral.activation,
          },
        };
      }),
    );
  }

  /** Every variable of the column, its laterals included, keyed by a name stable across instances. */
  variables(): Map<string, Tf.Variable> {
    return this.maker.variables();
  }

  dispose(): void {
    for (const v of this.variables().values()) v.dispose();
  }

  /** The variables the optimizer may change: all but the frozen layers (`column.h1`, `column.head`). */
  trainable(frozen: ReadonlySet<LayerRef>): Tf.Variable[] {
    const out: Tf.Variable[] = [];
    this.layers.forEach((l, i) => {
      if (!frozen.has(i + 1)) out.push(l.kernel, l.bias);
    });
    if (!frozen.has("head")) out.push(this.head.kernel, this.head.bias);
    for (const link of this.links) {
      if (frozen.has(link.into)) continue;
      out.push(...link.u);
      if (link.adapter) out.push(link.adapter.alpha, link.adapter.v, link.adapter.c);
    }
    return out;
  }

  /**
   * Forward pass. `sourceHidden` holds every source column's hidden activations on the same rows.
   * Dropout applies only when `training`; `dropoutSeed` makes its masks reproducible.
   */
  forward(
    x: Tensor2D,
    sourceHidden: ReadonlyMap<string, Tensor2D[]>,
    training: boolean,
    dropoutSeed = 0,
  ): Forward {
    const tf = this.tf;
    const hidden: Tensor2D[] = [];
    let h = x;
    this.layers.forEach((layer, i) => {
      let z = tf.add(tf.matMul(h, layer.kernel), layer.bias) as Tensor2D;
      z = this.addLaterals(z, i + 1, sourceHidden);
      h = activate(tf, z, this.activations[i] ?? "linear");
      const rate = this.dropout[i] ?? 0;
      if (training && rate > 0)
        h = tf.dropout(h, rate, undefined, hashSeed(dropoutSeed, this.ir.id, i)) as Tensor2D;
      hidden.push(h);
    });
    const logits = this.addLaterals(
      tf.add(tf.matMul(h, this.head.kernel), this.head.bias) as Tensor2D,
      "head",
      sourceHidden,
    );
    return { hidden, logits };
  }

  private addLaterals(
    z: Tensor2D,
    into: LayerRef,
    sourceHidden: ReadonlyMap<string, Tensor2D[]>,
  ): Tensor2D {
    const tf = this.tf;
    let out = z;
    for (const link of this.links) {
      if (link.into !== into) continue;
      const inputs = link.sources.map((s) => {
        const hs = sourceHidden.get(s);
        const at = into === "head" ? (hs?.length ?? 0) - 1 : into - 2;
        const input = hs?.[at];
        if (!input)
          throw new Error(`internal: no activations of \`${s}\` for lateral into ${String(into)}`);
        return input;
      });
      if (!link.adapter) {
        inputs.forEach((input, k) => {
          const u = link.u[k];
          if (u) out = tf.add(out, tf.matMul(input, u)) as Tensor2D;
        });
        continue;
      }
      const { alpha, v, c, activation } = link.adapter;
      const joined =
        inputs.length === 1 ? (inputs[0] as Tensor2D) : (tf.concat(inputs, 1) as Tensor2D);
      const projected = activate(
        tf,
        tf.add(tf.matMul(tf.mul(joined, alpha), v), c) as Tensor2D,
        activation,
      );
      const u = link.u[0];
      if (u) out = tf.add(out, tf.matMul(projected, u)) as Tensor2D;
    }
    return out;
  }
}

export function activate(tf: typeof Tf, z: Tensor2D, f: Activation): Tensor2D {
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
