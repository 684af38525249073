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
import {
  activate,
  addAdapter,
  addLinear,
  affine,
  dropout,
  hiddenLayer,
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
    this.layers = ir.layers.map((l, i) =>
      make.hidden(`h${i + 1}`, widths[i] ?? 0, l.units, copied?.layers[i]),
    );
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
    this.sources = [...new Set(ir.laterals.flatMap((l) => l.from))];
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

  /** The forward pass; `sourceHidden` holds every source column's hidden activations. */
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
      const z = this.addLaterals(affine(tf, h, layer), i + 1, sourceHidden);
      h = activate(tf, z, this.activations[i] ?? "linear");
      const rate = this.dropout[i] ?? 0;
      if (training && rate > 0) h = dropout(tf, h, rate, dropoutSeed, this.id, i);
      hidden.push(h);
    });
    const logits = this.addLaterals(affine(tf, h, this.head), "head", sourceHidden);
    return { hidden, logits };
  }

  /** Lateral terms in declaration order (and sources in `from` order): the order matters bitwise. */
  private addLaterals(
    z: Tensor2D,
    into: LayerRef,
    sourceHidden: ReadonlyMap<string, Tensor2D[]>,
  ): Tensor2D {
    let out = z;
    for (const link of this.links) {
      if (link.into !== into) continue;
      const inputs = link.sources.map((s) =>
        hiddenLayer(
          sourceHidden,
          s,
          into === "head" ? (sourceHidden.get(s)?.length ?? 0) : into - 1,
        ),
      );
      if (link.adapter) {
        const u = link.u[0];
        if (u)
          out = addAdapter(this.tf, out, inputs, { ...link.adapter, u }, link.adapter.activation);
        continue;
      }
      inputs.forEach((input, k) => {
        const u = link.u[k];
        if (u) out = addLinear(this.tf, out, input, u);
      });
    }
    return out;
  }
}
