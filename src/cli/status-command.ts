/**
 * `pnnc status DIR`: the runs of a sliced (`--shard`) or Slurm-submitted (`--slurm`) run or
 * comparison that are stored, being trained or missing, and its Slurm jobs in the queue.
 * The work is src/experiment/status.ts; this renders it.
 * In: parsed arguments. Out: an exit code (0 ok, 2 usage).
 */
import { runStatus } from "../experiment/status.js";
import { runList } from "../experiment/slices.js";
import { EXIT_OK } from "./exit-codes.js";
import { exitCodeOf, printReports } from "./output.js";

export function runStatusCommand(dir: string, opts: { json?: boolean }): number {
  const status = runStatus(dir);
  printReports(status);
  if (!status.ok) return exitCodeOf(status.failure);
  const s = status.value;
  if (opts.json) {
    process.stdout.write(JSON.stringify(s, null, 2) + "\n");
    return EXIT_OK;
  }
  const what = s.job ? `${s.job.kind} of ${s.job.files.join(", ")}` : "runs";
  const lines = [
    s.total === null
      ? `${dir}: ${s.done.length} runs stored, ${s.running.length} being trained (no job.json: the protocol's size is known only for --shard and --slurm)`
      : `${dir}: ${what}: ${s.done.length} of ${s.total} runs stored, ${s.running.length} being trained, ${s.missing.length} missing`,
    ...s.running.map((r) => `  training: repeat ${r.run[0]} fold ${r.run[1]} (${r.holder})`),
    ...(s.missing.length > 0 ? [`  missing: ${runList(s.missing, 20)}`] : []),
  ];
  if (s.job?.slurm) {
    const { array, assemble } = s.job.slurm;
    lines.push(`slurm: array job ${array}, assembling job ${assemble}`);
    if (s.queue && "lines" in s.queue)
      lines.push(
        ...(s.queue.lines.length > 0
          ? s.queue.lines.map((l) => `  queue: ${l}`)
          : ["  queue: none of its jobs is queued or running"]),
      );
    else if (s.queue) lines.push(`  queue unknown: ${s.queue.unavailable}`);
  }
  lines.push(
    s.assembled
      ? "results: assembled"
      : s.total !== null && s.done.length === s.total
        ? "results: every run is stored; assemble with the same command and `--assemble`"
        : "results: not assembled yet",
  );
  process.stdout.write(lines.join("\n") + "\n");
  return EXIT_OK;
}
