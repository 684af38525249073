/**
 * One audio file to one row of the eGeMAPS-like set: read and resample (wav.ts), track pitch,
 * voice quality, spectrum and formants, take the functionals (egemaps.ts). Rows are cached by the
 * file's content hash and the extractor's version. In: a path. Out: 88 values, or the problem.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../runtime/atomic-files.js";
import { egemapsParameters, type LowLevelTracks } from "./egemaps.js";
import { formantTracks } from "./formants.js";
import { voiceQuality } from "./perturbation.js";
import { trackPitch } from "./pitch.js";
import { spectralTracks } from "./spectral.js";
import { LONG_FRAME, RATE, type Signal } from "./types.js";
import { readWav, type AudioProblem } from "./wav.js";

/** readWav's default limit: memory grows with a file's length. */
const MAX_SECONDS = 3600;

/**
 * Part of every cache key: bump it whenever any module's numbers change, so cached rows of an
 * older extractor are never mixed with new ones.
 */
export const EXTRACTOR_VERSION = "pnnc-egemaps-like/3";

export interface ExtractedRow {
  /** The 88 parameters in EGEMAPS_NAMES order; NaN where undefined (nothing voiced). */
  values: Float64Array;
  /** Length of the audio. */
  seconds: number;
  /** sha256 of the file's bytes. */
  sha256: string;
  cached: boolean;
}

export function lowLevelTracks(signal: Signal): LowLevelTracks {
  const pitch = trackPitch(signal);
  return {
    pitch,
    voice: voiceQuality(signal, pitch),
    spectral: spectralTracks(signal),
    formants: formantTracks(signal, pitch.f0),
  };
}

export function featuresOf(signal: Signal): Float64Array {
  return Float64Array.from(
    egemapsParameters(lowLevelTracks(signal), signal.samples).map(([, v]) => v),
  );
}

/** sha256 of a file, read in blocks (audio files can be long). */
export async function fileHash(path: string): Promise<string | AudioProblem> {
  try {
    const handle = await open(path, "r");
    try {
      const hash = createHash("sha256");
      const block = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(block, 0, block.length, null);
        if (bytesRead === 0) break;
        hash.update(block.subarray(0, bytesRead));
      }
      return hash.digest("hex");
    } finally {
      await handle.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      problem:
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "a directory, not a file"
            : `cannot be read (${code ?? (e as Error).message})`,
    };
  }
}

/** Where a row is cached: one folder per extractor version, one file per content hash. */
const cachePath = (cacheDir: string, sha256: string) =>
  join(cacheDir, EXTRACTOR_VERSION.replace(/[^A-Za-z0-9.-]/g, "_"), `${sha256}.f64`);

function readCached(cacheDir: string, sha256: string): Float64Array | null {
  try {
    const bytes = readFileSync(cachePath(cacheDir, sha256));
    // seconds, then the 88 values; anything else is a damaged entry and is extracted again.
    if (bytes.length !== 89 * 8) return null;
    return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  } catch {
    return null;
  }
}

export async function extractFile(
  path: string,
  opts: { cacheDir?: string; maxSeconds?: number } = {},
): Promise<ExtractedRow | AudioProblem> {
  const sha256 = await fileHash(path);
  if (typeof sha256 !== "string") return sha256;
  const maxSeconds = opts.maxSeconds ?? MAX_SECONDS;
  const cached = opts.cacheDir ? readCached(opts.cacheDir, sha256) : null;
  if (cached) {
    const seconds = cached[0] ?? 0;
    // The same limit as readWav's, which a cached row never reaches.
    if (seconds > maxSeconds)
      return {
        problem: `too long: ${Number(seconds.toPrecision(4))} s of audio, over the ${maxSeconds} s limit`,
      };
    return { seconds, values: cached.subarray(1), sha256, cached: true };
  }
  const audio = await readWav(path, { maxSeconds });
  if ("problem" in audio) return audio;
  if (audio.signal.samples.length < LONG_FRAME)
    return {
      problem: `too short: ${(audio.seconds * 1000).toFixed(0)} ms of audio, under the ${(1000 * LONG_FRAME) / RATE} ms one analysis frame needs`,
    };
  const values = featuresOf(audio.signal);
  // A file rewritten while it was read (a corpus still being copied) must not be cached under
  // the hash of what it held before.
  if (opts.cacheDir && (await fileHash(path)) === sha256) {
    const entry = new Float64Array(89);
    entry[0] = audio.seconds;
    entry.set(values, 1);
    // The cache only saves time: a full disk or a read-only folder costs a later re-extraction.
    try {
      writeFileAtomic(cachePath(opts.cacheDir, sha256), new Uint8Array(entry.buffer), {
        makeDirs: true,
      });
    } catch {
      // left uncached
    }
  }
  return { values, seconds: audio.seconds, sha256, cached: false };
}
