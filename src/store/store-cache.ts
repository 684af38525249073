/**
 * The column store as the driver's ColumnCache for one backend: loads entries (reporting, once each,
 * entries it must not use), claims a column before training it (waiting while a concurrent command
 * trains it: lease.ts), saves newly trained columns, and counts what was reused and trained.
 * In: a ColumnStore, the backend name, the pnnc version, a reporter. Out: a ColumnCache with counts.
 */
import type * as Tf from "@tensorflow/tfjs";
import type { ColumnCache } from "../runtime/driver.js";
import type { ColumnRun } from "../runtime/results.js";
import type { ColumnStore } from "./column-store.js";
import { claimLease, DEFAULT_LEASE_TIMING, type Lease, type LeaseTiming } from "./lease.js";

export interface CountingCache extends ColumnCache {
  reused: number;
  trained: number;
}

export function storeCache(
  store: ColumnStore,
  backend: string,
  pnnc: string,
  report: (message: string) => void,
  timing: LeaseTiming = DEFAULT_LEASE_TIMING,
): CountingCache {
  const leases = new Map<string, Lease>();
  const leaseId = (key: string, repeat: number, fold: number) => `${key}/${repeat}/${fold}`;
  // A driver may ask for the same entry more than once; its problem is worth saying once.
  const reported = new Set<string>();
  const cache: CountingCache = {
    reused: 0,
    trained: 0,
    load(key, repeat, fold) {
      const found = store.load(key, backend, repeat, fold);
      if ("missing" in found) return null;
      if ("unusable" in found) {
        if (!reported.has(found.unusable))
          report(`column store: not using ${found.unusable}; training it again and replacing it`);
        reported.add(found.unusable);
        return null;
      }
      cache.reused++;
      return {
        run: found.found.entry.run,
        weights: new Map([...found.found.weights].map(([name, w]) => [name, w.values])),
      };
    },
    claim(key, repeat, fold) {
      const path = store.leasePath(key, backend, repeat, fold);
      let waited = false;
      for (;;) {
        const claim = claimLease(path, timing);
        if ("held" in claim) {
          // Saved by another process just before our claim: nothing left to train.
          const saved = cache.load(key, repeat, fold);
          if (saved) claim.held.release();
          else leases.set(leaseId(key, repeat, fold), claim.held);
          return saved;
        }
        if (!waited)
          report(
            `column store: another pnnc is training this column for repeat ${repeat}, fold ${fold} (${claim.busy}); waiting for it`,
          );
        waited = true;
        // Training is synchronous here, so the wait is too; the holder is another process.
        Atomics.wait(
          new Int32Array(new SharedArrayBuffer(4)),
          0,
          0,
          Math.min(1000, timing.ttlMs / 4),
        );
        const saved = cache.load(key, repeat, fold);
        if (saved) return saved;
      }
    },
    release(key, repeat, fold) {
      leases.get(leaseId(key, repeat, fold))?.release();
      leases.delete(leaseId(key, repeat, fold));
    },
    save(
      key: string,
      repeat: number,
      fold: number,
      run: ColumnRun,
      variables: ReadonlyMap<string, Tf.Variable>,
    ) {
      cache.trained++;
      const values = new Map(
        [...variables].map(([name, v]) => [
          name,
          { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() },
        ]),
      );
      const problem = store.save(
        { key, backend, repeat, fold, column: run.column, pnnc, run },
        values,
      );
      if (problem)
        report(`${problem} (the run goes on; this column will be trained again next time)`);
    },
  };
  return cache;
}
