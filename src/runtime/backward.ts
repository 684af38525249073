/**
 * The backward pass of a column's forward pass in closed form, without tfjs's gradient tape. The
 * forward building blocks (column.ts) note each operation on the tape that `recordForward` makes
 * active; `backward` then applies each operation's derivative with the same kernels, in the same
 * order and with the same roundings as tfjs's registered gradients, so the gradients are
 * bit-identical. What the tape saves: a copy of every saved input (37 Identity kernels per step of
 * the paper's column) and its bookkeeping. In: a forward pass and the trainable variables. Out: their
 * gradients by tensor id.
 */
import type * as Tf from "@tensorflow/tfjs";
import { sigmoidGrad } from "./sigmoid-grad.js";
import type { Activation } from "./vocabulary.js";

/** tfjs's SELU constants (ops/selu_util), which its Selu gradient uses. */
const SELU_SCALEALPHA = 1.7580993408473768599402175208123;
const SELU_SCALE = 1.0507009873554804934193349852946;

interface Node {
  output: Tf.Tensor;
  /** Adds the node's inputs' gradients, given the output's. */
  backward(dy: Tf.Tensor, add: (input: Tf.Tensor, g: Tf.Tensor) => void): void;
}

export class ForwardTape {
  private readonly nodes: Node[] = [];
  /** Ids of the tensors that depend on a trainable variable (the variables included). */
  private readonly live = new Set<number>();
  /** How many noted operations read each tensor. */
  private readonly uses = new Map<number, number>();
  /** Sigmoid outputs by id: their input and their node, which a dropout after them may take over. */
  private readonly sigmoids = new Map<number, { z: Tf.Tensor; node: number }>();
  /** Nodes whose gradient a later node already applied (a sigmoid fused into its dropout). */
  private readonly done = new Set<number>();

  constructor(
    private readonly tf: typeof Tf,
    trainable: readonly Tf.Variable[],
  ) {
    for (const v of trainable) this.live.add(v.id);
  }

  private needs(t: Tf.Tensor): boolean {
    return this.live.has(t.id);
  }

  private note(output: Tf.Tensor, inputs: Tf.Tensor[], backward: Node["backward"]): void {
    if (!inputs.some((t) => this.needs(t))) return;
    for (const t of inputs) this.uses.set(t.id, (this.uses.get(t.id) ?? 0) + 1);
    this.live.add(output.id);
    this.nodes.push({ output, backward });
  }

  /** out = a·b (BatchMatMul_grad without transposes). */
  matMul(out: Tf.Tensor, a: Tf.Tensor, b: Tf.Tensor): void {
    const { tf } = this;
    this.note(out, [a, b], (dy, add) => {
      if (this.needs(a)) add(a, tf.matMul(dy, b, false, true));
      if (this.needs(b)) add(b, tf.matMul(a, dy, true, false));
    });
  }

  /** out = a + b, b possibly broadcast (Add_grad: sum over the broadcast axes). */
  add(out: Tf.Tensor, a: Tf.Tensor, b: Tf.Tensor): void {
    const { tf } = this;
    const reduced = (x: Tf.Tensor, dy: Tf.Tensor) => {
      const axes = tf.backend_util.getReductionAxes(x.shape, out.shape);
      return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, x.shape);
    };
    this.note(out, [a, b], (dy, add) => {
      if (this.needs(a)) add(a, reduced(a, dy));
      if (this.needs(b)) add(b, reduced(b, dy));
    });
  }

  /**
   * out = x · m for a constant mask m of x's shape (Multiply_grad's `a`): dropout. After a sigmoid
   * read by nothing else, both gradients are one kernel (sigmoid-grad.ts) and the sigmoid's node
   * is done.
   */
  mask(out: Tf.Tensor, x: Tf.Tensor, m: Tf.Tensor): void {
    this.note(out, [x], (dy, add) => {
      const sigmoid = this.uses.get(x.id) === 1 ? this.sigmoids.get(x.id) : undefined;
      const fused = sigmoid ? sigmoidGrad(this.tf, dy, x, m) : null;
      if (sigmoid && fused) {
        add(sigmoid.z, fused);
        this.done.add(sigmoid.node);
      } else add(x, this.tf.mul(dy, m));
    });
  }

  /** out = x · s for a scalar s (Multiply_grad): the adapter's α; x is constant (source columns). */
  scale(out: Tf.Tensor, x: Tf.Tensor, s: Tf.Tensor): void {
    const { tf } = this;
    this.note(out, [x, s], (dy, add) => {
      if (this.needs(x)) add(x, tf.mul(dy, s));
      if (this.needs(s)) add(s, tf.reshape(tf.sum(tf.mul(dy, x), [0, 1]), s.shape));
    });
  }

  /** y = f(z), with each activation's registered gradient. */
  activation(y: Tf.Tensor, z: Tf.Tensor, f: Activation): void {
    const { tf } = this;
    const derivative: Record<Activation, (dy: Tf.Tensor) => Tf.Tensor> = {
      linear: (dy) => dy,
      sigmoid: (dy) =>
        sigmoidGrad(tf, dy, y, null) ?? tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y))),
      relu: (dy) => tf.mul(dy, tf.step(z)),
      tanh: (dy) => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy),
      elu: (dy) => tf.engine().runKernel("EluGrad", { dy, y }) as Tf.Tensor,
      selu: (dy) =>
        tf.where(
          tf.greater(z, tf.scalar(0)),
          tf.mul(dy, tf.scalar(SELU_SCALE)),
          tf.mul(tf.mul(dy, tf.scalar(SELU_SCALEALPHA)), tf.exp(z)),
        ),
      softplus: (dy) => tf.mul(dy, tf.sigmoid(z)),
    };
    this.note(y, [z], (dy, add) => add(z, derivative[f](dy)));
    if (f === "sigmoid" && this.live.has(y.id))
      this.sigmoids.set(y.id, { z, node: this.nodes.length - 1 });
  }

  /**
   * Gradients of every tensor that reaches `y`, given dL/dy, by tensor id; a tensor read twice gets
   * its gradients added in tfjs's order (later uses first).
   */
  backward(y: Tf.Tensor, dy: Tf.Tensor): Map<number, Tf.Tensor> {
    const grads = new Map<number, Tf.Tensor>([[y.id, dy]]);
    const add = (input: Tf.Tensor, g: Tf.Tensor) => {
      const before = grads.get(input.id);
      grads.set(input.id, before ? this.tf.add(before, g) : g);
    };
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      if (this.done.has(i)) continue;
      const node = this.nodes[i] as Node;
      const g = grads.get(node.output.id);
      if (g) node.backward(g, add);
    }
    return grads;
  }
}

let active: ForwardTape | null = null;

/** The tape the building blocks note operations on, while `recordForward` runs. */
export function activeTape(): ForwardTape | null {
  return active;
}

/** Runs `forward` with its building blocks noting their operations on a fresh tape. */
export function recordForward<T>(
  tf: typeof Tf,
  trainable: readonly Tf.Variable[],
  forward: () => T,
): { result: T; tape: ForwardTape } {
  const tape = new ForwardTape(tf, trainable);
  const outer = active;
  active = tape;
  try {
    return { result: forward(), tape };
  } finally {
    active = outer;
  }
}
