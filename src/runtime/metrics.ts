/**
 * Classification metrics from true and predicted class indices: the confusion matrix, per-class
 * recall, accuracy, and UAR (unweighted average recall: the mean of per-class recalls, the paper's
 * metric, robust to class imbalance). Classes with no true rows are left out of UAR.
 * In: labels, predictions, class count. Out: plain numbers (JSON-ready).
 */

/**
 * A proportion.
 * @minimum 0
 * @maximum 1
 */
export type Unit = number;

/**
 * How many rows.
 * @asType integer
 * @minimum 0
 */
export type Count = number;

export interface Metrics {
  uar: Unit;
  accuracy: Unit;
  /** Recall per class; null for a class absent from the true labels. */
  recall: (Unit | null)[];
  /** confusion[true][predicted] counts. */
  confusion: Count[][];
}

export function metrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): Metrics {
  if (truth.length !== predicted.length)
    throw new Error("internal: truth and predictions differ in length");
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] ?? 0;
    const p = predicted[i] ?? 0;
    const row = confusion[t];
    if (row) row[p] = (row[p] ?? 0) + 1;
    if (t === p) correct++;
  }
  const recall = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : (row[c] ?? 0) / total;
  });
  const present = recall.filter((r): r is number => r !== null);
  return {
    uar: present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    recall,
    confusion,
  };
}
