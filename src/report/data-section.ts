/**
 * The report's data section: per dataset the runs read, its rows, features (names on demand),
 * groups, rows each loading policy removed, and rows per class of each task.
 * In: the specs' results (their `data` facts). Out: an HTML section, or "" when no results have any.
 */
import type { DatasetFacts } from "../runtime/results.js";
import { escapeHtml as esc } from "./charts.js";

/**
 * Compared methods usually read the same table, each labelling its own tasks in it: the table is
 * shown once, with every task's classes and the specs that read it.
 */
function distinct(specs: readonly { name: string; data?: DatasetFacts[] }[]) {
  const seen = new Map<string, { facts: DatasetFacts; specs: string[] }>();
  for (const spec of specs)
    for (const facts of spec.data ?? []) {
      const { classes, id: _id, ...table } = facts;
      const key = JSON.stringify(table);
      const entry = seen.get(key) ?? { facts: { ...facts, classes: {} }, specs: [] };
      entry.facts.classes = { ...entry.facts.classes, ...classes };
      entry.specs.push(spec.name);
      seen.set(key, entry);
    }
  return [...seen.values()];
}

function removedRows(f: DatasetFacts): string {
  const parts = [
    f.excluded > 0 ? `${f.excluded} excluded` : "",
    f.missingDropped > 0 ? `${f.missingDropped} dropped for missing values` : "",
    f.missingImputed > 0 ? `${f.missingImputed} with missing values imputed` : "",
    f.duplicatesDropped > 0 ? `${f.duplicatesDropped} duplicate rows dropped` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? parts.join("; ") : "none";
}

function classTable(task: string, counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const rows = Object.entries(counts).map(
    ([name, n]) =>
      `<tr><td>${esc(name)}</td><td>${n}</td><td>${total > 0 ? ((100 * n) / total).toFixed(1) : "0.0"}%</td></tr>`,
  );
  return `<table class="classes"><thead><tr><th>${esc(task)}</th><th>rows</th><th>share</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function datasetBlock(entry: { facts: DatasetFacts; specs: string[] }, many: boolean): string {
  const f = entry.facts;
  const names = f.featureNames.map((n) => `<code>${esc(n)}</code>`).join(" ");
  const readBy = many ? ` (read by ${entry.specs.map(esc).join(", ")})` : "";
  return `<h3>${esc(f.id)}: <code>${esc(f.file)}</code>${readBy}</h3>
<table class="data-facts"><tbody>
<tr><th>rows used</th><td>${f.rows}</td></tr>
<tr><th>features</th><td>${f.features}</td></tr>
<tr><th>groups</th><td>${f.groups === null ? "none" : f.groups}</td></tr>
<tr><th>rows removed or imputed</th><td>${removedRows(f)}</td></tr>
</tbody></table>
${names ? `<details><summary>feature names (${f.featureNames.length})</summary><p class="feature-names">${names}</p></details>` : ""}
<div class="class-tables">${Object.entries(f.classes)
    .map(([task, counts]) => classTable(task, counts))
    .join("")}</div>`;
}

export function dataSection(specs: readonly { name: string; data?: DatasetFacts[] }[]): string {
  const entries = distinct(specs);
  if (entries.length === 0) return "";
  return `<section id="data"><h2>Data</h2>${entries.map((e) => datasetBlock(e, specs.length > 1)).join("\n")}</section>`;
}
