/**
 * WAV reading and resampling: every supported encoding gives the same 16 kHz mono signal within its
 * quantisation step, tones keep their frequency and level through the resampler while content above
 * 8 kHz is removed, streaming equals one-shot bit for bit, and broken files give AudioProblems.
 * In: WAV files written by a small writer here into a temp dir. Out: pass or the first mismatch.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { powerSpectrum } from "../src/audio/frames.js";
import { resample, Resampler } from "../src/audio/resample.js";
import { RATE } from "../src/audio/types.js";
import { isAudioProblem, readWav, type AudioProblem, type WavAudio } from "../src/audio/wav.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-wav-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Encoding = "pcm8" | "pcm16" | "pcm24" | "pcm32" | "float32" | "float64";
const BITS: Record<Encoding, number> = {
  pcm8: 8,
  pcm16: 16,
  pcm24: 24,
  pcm32: 32,
  float32: 32,
  float64: 64,
};
/** One quantisation step of each encoding on the [-1, 1] scale (float32: its rounding near 1). */
const STEP: Record<Encoding, number> = {
  pcm8: 1 / 128,
  pcm16: 1 / 32768,
  pcm24: 1 / 8388608,
  pcm32: 1 / 2147483648,
  float32: 2 ** -24,
  float64: 0,
};

interface WavSpec {
  encoding: Encoding;
  rate: number;
  /** One array per channel, all the same length. */
  channels: Float64Array[];
  extensible?: boolean;
  /** Overrides the data chunk's declared size (streaming placeholders, lies). */
  dataSize?: number;
  /** Chunks written between fmt and data, to exercise the walker (odd sizes get a pad byte). */
  extraChunks?: { id: string; body: Buffer }[];
}

/** The integer a writer stores for x (integer encodings only). */
function quantise(x: number, encoding: Encoding): number {
  const scale = 1 / STEP[encoding];
  return Math.max(-scale, Math.min(scale - 1, Math.round(x * scale)));
}

function chunk(id: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length & 1)]);
}

function fmtBody(
  tag: number,
  channels: number,
  rate: number,
  bits: number,
  extensible = false,
): Buffer {
  const blockAlign = (channels * bits) / 8;
  const body = Buffer.alloc(extensible ? 40 : 16);
  body.writeUInt16LE(extensible ? 0xfffe : tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE(rate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(bits, 14);
  if (extensible) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(bits, 18);
    body.writeUInt32LE(0, 20);
    body.writeUInt16LE(tag, 24);
    Buffer.from("000000001000800000aa00389b71", "hex").copy(body, 26);
  }
  return body;
}

function samplesBody(spec: WavSpec): Buffer {
  const { encoding, channels } = spec;
  const bytes = BITS[encoding] / 8;
  const frames = channels[0]?.length ?? 0;
  const body = Buffer.alloc(frames * channels.length * bytes);
  let at = 0;
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const x = channel[i] ?? 0;
      if (encoding === "float32") body.writeFloatLE(x, at);
      else if (encoding === "float64") body.writeDoubleLE(x, at);
      else if (encoding === "pcm8") body.writeUInt8(quantise(x, encoding) + 128, at);
      else body.writeIntLE(quantise(x, encoding), at, bytes);
      at += bytes;
    }
  }
  return body;
}

function wavBytes(spec: WavSpec): Buffer {
  const tag = spec.encoding.startsWith("float") ? 3 : 1;
  const fmt = chunk(
    "fmt ",
    fmtBody(tag, spec.channels.length, spec.rate, BITS[spec.encoding], spec.extensible),
  );
  const data = chunk("data", samplesBody(spec));
  if (spec.dataSize !== undefined) data.writeUInt32LE(spec.dataSize, 4);
  const extra = (spec.extraChunks ?? []).map((c) => chunk(c.id, c.body));
  const body = Buffer.concat([Buffer.from("WAVE", "latin1"), fmt, ...extra, data]);
  return Buffer.concat([Buffer.from("RIFF", "latin1"), u32(body.length), body]);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value, 0);
  return b;
}

let fileCount = 0;
function writeFile(bytes: Buffer | string): string {
  const path = join(dir, `f${fileCount++}.wav`);
  writeFileSync(path, bytes);
  return path;
}

function tone(
  frequency: number,
  rate: number,
  n: number,
  amplitude = 0.5,
  phase = 0,
): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++)
    x[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate + phase);
  return x;
}

function mix(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts[0]?.length ?? 0);
  for (const part of parts) for (let i = 0; i < out.length; i++) out[i]! += part[i] ?? 0;
  return out;
}

/** A test signal with two partials, peak 0.7, so no encoding clips. */
function speechLike(rate: number, n: number): Float64Array {
  return mix(tone(440, rate, n, 0.4), tone(1000, rate, n, 0.3, 1));
}

function audio(result: WavAudio | AudioProblem): WavAudio {
  if (isAudioProblem(result)) throw new Error(`unexpected problem: ${result.problem}`);
  return result;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** RMS over the middle, away from the edges where the filter sees the silence around the signal. */
function rms(x: Float32Array, margin = 2000): number {
  let sum = 0;
  for (let i = margin; i < x.length - margin; i++) sum += (x[i] ?? 0) ** 2;
  return Math.sqrt(sum / (x.length - 2 * margin));
}

const ENCODINGS: Encoding[] = ["pcm8", "pcm16", "pcm24", "pcm32", "float32", "float64"];

describe("readWav: encodings", () => {
  it.each(ENCODINGS)("%s at 16 kHz gives the signal within half a quantisation step", async (e) => {
    const x = speechLike(RATE, 4000);
    const result = audio(
      await readWav(writeFile(wavBytes({ encoding: e, rate: RATE, channels: [x] }))),
    );
    expect(result).toMatchObject({ sourceRate: RATE, channels: 1, encoding: e, seconds: 0.25 });
    // Half a step from quantisation, plus float32's own rounding of the output.
    expect(maxDifference(result.signal.samples, x)).toBeLessThanOrEqual(STEP[e] / 2 + 2 ** -24);
  });

  it("at 44.1 kHz, no encoding differs from float64 by more than one of its steps", async () => {
    const x = speechLike(44100, 11025);
    const read = async (encoding: Encoding, extensible = false) =>
      audio(
        await readWav(writeFile(wavBytes({ encoding, rate: 44100, channels: [x], extensible }))),
      );
    const reference = await read("float64");
    expect(reference.signal.samples.length).toBe(4000);
    // The float64 file resamples exactly as the resampler does the same values in float32.
    expect(maxDifference(reference.signal.samples, resample(Float32Array.from(x), 44100))).toBe(0);
    for (const encoding of ENCODINGS) {
      for (const extensible of [false, true]) {
        const result = await read(encoding, extensible);
        expect(result.encoding).toBe(encoding);
        // Quantisation errors (≤ half a step each) pass through a filter whose taps sum in
        // magnitude to about 1.3, so one step is a safe bound; float32 adds its output rounding.
        const tolerance = STEP[encoding] + 2 ** -23;
        expect(maxDifference(result.signal.samples, reference.signal.samples)).toBeLessThan(
          tolerance,
        );
      }
    }
  });

  it("stereo channels are averaged, at any rate and encoding", async () => {
    const left = tone(440, 48000, 4800, 0.6);
    const right = tone(1000, 48000, 4800, 0.2, 2);
    const mean = Float32Array.from(mix(left, right), (v) => v / 2);
    for (const encoding of ["pcm16", "float32"] as const) {
      for (const extensible of [false, true]) {
        const spec = { encoding, rate: 48000, channels: [left, right], extensible };
        const result = audio(await readWav(writeFile(wavBytes(spec))));
        expect(result).toMatchObject({ channels: 2, sourceRate: 48000, seconds: 0.1 });
        expect(maxDifference(result.signal.samples, resample(mean, 48000))).toBeLessThan(
          STEP[encoding] + 2 ** -23,
        );
      }
    }
    const six = Array.from({ length: 6 }, (_, c) => tone(200 * (c + 1), RATE, 1600, 0.1));
    const surround = audio(
      await readWav(writeFile(wavBytes({ encoding: "pcm24", rate: RATE, channels: six }))),
    );
    expect(surround.channels).toBe(6);
    const expected = mix(...six).map((v) => v / 6);
    expect(maxDifference(surround.signal.samples, expected)).toBeLessThan(STEP.pcm24);
  });

  it("files larger than a read block come out as the one-shot resampling of their frames", async () => {
    // 13 s of 44.1 kHz 16-bit stereo: 2.3 MB, three 1 MiB blocks.
    const n = 13 * 44100;
    const left = speechLike(44100, n);
    const right = tone(3000, 44100, n, 0.2);
    const result = audio(
      await readWav(
        writeFile(wavBytes({ encoding: "pcm16", rate: 44100, channels: [left, right] })),
      ),
    );
    const mono = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      mono[i] = (quantise(left[i]!, "pcm16") / 32768 + quantise(right[i]!, "pcm16") / 32768) / 2;
    }
    const expected = resample(mono, 44100);
    expect(result.signal.samples.length).toBe(13 * RATE);
    expect(maxDifference(result.signal.samples, expected)).toBe(0);
  });

  it("walks past other chunks, odd sizes padded, and stops the data at its declared size", async () => {
    const x = speechLike(RATE, 1600);
    const plain = wavBytes({ encoding: "pcm16", rate: RATE, channels: [x] });
    const extraChunks = [
      { id: "LIST", body: Buffer.from("INFOISFT\u0005\u0000\u0000\u0000pnnc\u0000", "latin1") },
      { id: "junk", body: Buffer.alloc(3) },
    ];
    // A chunk after the data (as some editors write) must not be read as samples.
    const trailer = chunk("id3 ", Buffer.from("not audio at all"));
    const withChunks = Buffer.concat([
      wavBytes({ encoding: "pcm16", rate: RATE, channels: [x], extraChunks }),
      trailer,
    ]);
    const a = audio(await readWav(writeFile(plain)));
    const b = audio(await readWav(writeFile(withChunks)));
    expect(maxDifference(a.signal.samples, b.signal.samples)).toBe(0);
  });

  it("a streaming placeholder size (0xFFFFFFFF) reads whole frames to the end of the file", async () => {
    const x = speechLike(RATE, 1600);
    const bytes = wavBytes({
      encoding: "pcm24",
      rate: RATE,
      channels: [x, x],
      dataSize: 0xffffffff,
    });
    // Half a frame at the end, as a writer killed mid-frame leaves it.
    const result = audio(await readWav(writeFile(Buffer.concat([bytes, Buffer.alloc(3, 0x7f)]))));
    expect(result.seconds).toBe(0.1);
    expect(maxDifference(result.signal.samples, x)).toBeLessThan(STEP.pcm24);
  });
});

describe("resample", () => {
  // 44101 Hz has no small ratio to 16 kHz, so it takes the interpolated fine table.
  const FROM = [44100, 48000, 22050, 8000, 11025, 96000, 44101];

  it.each(FROM)(
    "a 1 kHz tone from %i Hz keeps its frequency, level (±0.1 dB) and phase",
    (from) => {
      const x = Float32Array.from(tone(1000, from, from));
      const y = resample(x, from);
      expect(y.length).toBe(RATE);
      const levelDb = 20 * Math.log10(rms(y) / (0.5 / Math.SQRT2));
      expect(Math.abs(levelDb)).toBeLessThan(0.1);
      const power = powerSpectrum(y.subarray(0, 16384));
      const peak = power.indexOf(Math.max(...power));
      expect(Math.abs((peak * RATE) / 16384 - 1000)).toBeLessThan(RATE / 16384);
      // No delay: away from the edges the output is the same tone sampled at 16 kHz.
      const ideal = tone(1000, RATE, RATE);
      expect(maxDifference(y.subarray(2000, 14000), ideal.subarray(2000, 14000))).toBeLessThan(
        2e-3,
      );
    },
  );

  it("attenuates what would alias: 10 kHz at 44.1 kHz and 9 kHz at 48 kHz by at least 50 dB", () => {
    for (const [frequency, from] of [
      [10000, 44100],
      [9000, 48000],
      [8500, 22050],
    ] as const) {
      const y = resample(Float32Array.from(tone(frequency, from, from)), from);
      expect(20 * Math.log10(rms(y) / (0.5 / Math.SQRT2))).toBeLessThan(-50);
    }
  });

  it("upsampling leaves no images above the input's Nyquist frequency", () => {
    const y = resample(Float32Array.from(tone(3000, 8000, 8000)), 8000);
    const power = powerSpectrum(y.subarray(2000, 2000 + 8192));
    const bin = (hz: number) => Math.round((hz * 8192) / RATE);
    let inBand = 0;
    let images = 0;
    for (let k = 0; k < power.length; k++) {
      if (k < bin(4000)) inBand += power[k]!;
      else images += power[k]!;
    }
    expect(10 * Math.log10(images / inBand)).toBeLessThan(-50);
  });

  it("output length is round(n · to / from), and 16 kHz → 16 kHz is a copy", () => {
    for (const [n, from, to] of [
      [1, 44100, RATE],
      [3, 44100, RATE],
      [441, 44100, RATE],
      [1000, 22050, RATE],
      [7, 8000, RATE],
      [12345, 44101, RATE],
      [0, 48000, RATE],
      [100, RATE, 8000],
    ] as const) {
      expect(resample(new Float32Array(n), from, to).length).toBe(Math.round((n * to) / from));
    }
    const x = Float32Array.from(speechLike(RATE, 500));
    const y = resample(x, RATE);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  it("streaming gives the one-shot output bit for bit, whatever the block sizes", () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const from of [44100, 48000, 22050, 8000, 44101, RATE]) {
      const x = new Float32Array(Math.round(from * 0.7));
      for (let i = 0; i < x.length; i++) x[i] = random() * 2 - 1;
      const expected = resample(x, from);
      for (let trial = 0; trial < 3; trial++) {
        const resampler = new Resampler(from);
        const parts: Float32Array[] = [];
        for (let at = 0; at < x.length;) {
          // Mostly small blocks (0 and 1 included), sometimes large ones.
          const size = random() < 0.8 ? Math.floor(random() * 40) : Math.floor(random() * 20000);
          parts.push(resampler.push(x.subarray(at, at + size)));
          at += size;
        }
        parts.push(resampler.end());
        const joined = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.length;
        }
        expect(joined.length).toBe(expected.length);
        expect(Buffer.from(joined.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    }
  });
});

describe("readWav: problems are values", () => {
  const x = speechLike(RATE, 800);
  const good = () => wavBytes({ encoding: "pcm16", rate: RATE, channels: [x] });
  /** A good file with its fmt body edited (the fmt body starts at byte 20). */
  const withFmt = (edit: (fmt: Buffer) => void) => {
    const bytes = good();
    edit(bytes.subarray(20, 36));
    return bytes;
  };
  const problemOf = async (bytes: Buffer | string, maxSeconds?: number) => {
    const result = await readWav(writeFile(bytes), maxSeconds === undefined ? {} : { maxSeconds });
    if (!isAudioProblem(result)) throw new Error("expected a problem, got audio");
    return result.problem;
  };

  it("not a WAV, or cut short", async () => {
    expect(await problemOf("hello, this is text\n")).toBe("not a WAV file (no RIFF/WAVE header)");
    expect(await problemOf("")).toBe("not a WAV file (no RIFF/WAVE header)");
    expect(await problemOf(good().subarray(0, 8))).toBe(
      "truncated header: the file ends after 8 bytes",
    );
    expect(await problemOf(good().subarray(0, 16))).toBe(
      "truncated header: no fmt chunk before the file ends",
    );
    expect(await problemOf(good().subarray(0, 30))).toBe(
      "truncated: the 'fmt ' chunk declares 16 bytes but the file ends after 10",
    );
    expect(await problemOf(good().subarray(0, 36))).toBe(
      "no data chunk: the file ends after the header",
    );
    expect(await problemOf(good().subarray(0, 44 + 1000))).toBe(
      "truncated: the data chunk declares 1600 bytes but the file ends after 1000",
    );
  });

  it("empty data", async () => {
    const empty = wavBytes({ encoding: "pcm16", rate: RATE, channels: [new Float64Array(0)] });
    expect(await problemOf(empty)).toBe("no audio: the data chunk is empty");
    const halfFrame = Buffer.concat([
      wavBytes({ encoding: "pcm16", rate: RATE, channels: [x, x], dataSize: 2 }).subarray(0, 44),
      Buffer.alloc(2),
    ]);
    expect(await problemOf(halfFrame)).toBe("no audio: the data chunk holds less than one frame");
  });

  it("encodings it does not decode", async () => {
    const tagged = (tag: number) => withFmt((fmt) => fmt.writeUInt16LE(tag, 0));
    const hint = "convert to PCM, e.g. `sox in.wav -e signed-integer out.wav`";
    expect(await problemOf(tagged(6))).toBe(
      `unsupported encoding: A-law (format 6, 0x0006); ${hint}`,
    );
    expect(await problemOf(tagged(7))).toBe(
      `unsupported encoding: μ-law (format 7, 0x0007); ${hint}`,
    );
    expect(await problemOf(tagged(0x55))).toBe(
      `unsupported encoding: MP3 (format 85, 0x0055); ${hint}`,
    );
    expect(await problemOf(tagged(0x1234))).toBe(
      `unsupported encoding: unknown (format 4660, 0x1234); ${hint}`,
    );
    const extensibleALaw = wavBytes({
      encoding: "pcm16",
      rate: RATE,
      channels: [x],
      extensible: true,
    });
    extensibleALaw.writeUInt16LE(6, 20 + 24);
    expect(await problemOf(extensibleALaw)).toBe(
      `unsupported encoding: A-law (format 6, 0x0006); ${hint}`,
    );
    const oddGuid = wavBytes({ encoding: "pcm16", rate: RATE, channels: [x], extensible: true });
    oddGuid.writeUInt8(0xee, 20 + 39);
    expect(await problemOf(oddGuid)).toMatch(/^unsupported encoding: extensible subformat 0100/);
    const float16 = withFmt((fmt) => {
      fmt.writeUInt16LE(3, 0);
    });
    expect(await problemOf(float16)).toBe("unsupported encoding: 16-bit float");
  });

  it("headers that lie", async () => {
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt16LE(0, 2)))).toBe(
      "bad header: the fmt chunk says 0 channels",
    );
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt32LE(0, 4)))).toBe(
      "bad header: the fmt chunk says a sample rate of 0 Hz",
    );
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt32LE(5, 4)))).toBe(
      "bad header: a sample rate of 5 Hz (accepted: 1000–768000)",
    );
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt16LE(0, 14)))).toBe(
      "bad header: the fmt chunk says 0 bits per sample",
    );
    const noFmt = Buffer.concat([good().subarray(0, 12), chunk("data", Buffer.alloc(8))]);
    expect(await problemOf(noFmt)).toBe("bad header: no fmt chunk");
    const garbled = Buffer.concat([
      good().subarray(0, 36),
      Buffer.from([1, 2, 10, 13, 99, 0, 0, 0]),
    ]);
    expect(await problemOf(garbled)).toBe(
      "truncated: the '????' chunk declares 99 bytes but the file ends after 0",
    );
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt16LE(4, 12)))).toBe(
      "bad header: block align 4 but 1 channel(s) of 16 bits need 2",
    );
    expect(await problemOf(withFmt((fmt) => fmt.writeUInt16LE(24, 14)))).toBe(
      "bad header: block align 2 but 1 channel(s) of 24 bits need 3",
    );
    // A fmt chunk declared 12 bytes long, followed by the data chunk.
    const shortFmt = good();
    shortFmt.writeUInt32LE(12, 16);
    const shortFmtFile = Buffer.concat([
      shortFmt.subarray(0, 32),
      chunk("data", Buffer.alloc(100)),
    ]);
    expect(await problemOf(shortFmtFile)).toBe("bad header: the fmt chunk is 12 bytes, under 16");
    const shortExtensible = wavBytes({ encoding: "pcm16", rate: RATE, channels: [x] });
    shortExtensible.writeUInt16LE(0xfffe, 20);
    expect(await problemOf(shortExtensible)).toBe(
      "bad header: an extensible fmt chunk is 16 bytes, under 40",
    );
  });

  it("a missing file, a directory", async () => {
    const missing = await readWav(join(dir, "no-such.wav"));
    expect(missing).toEqual({ problem: "cannot open the file: no such file" });
    const directory = await readWav(dir);
    expect(isAudioProblem(directory) && directory.problem).toMatch(
      /^cannot (open|read) the file: /,
    );
  });

  it("longer than maxSeconds, found from the header", async () => {
    // 800 frames at 16 kHz = 0.05 s.
    expect(await problemOf(good(), 0.01)).toBe("too long: 0.05 s of audio, over the 0.01 s limit");
    expect(isAudioProblem(await readWav(writeFile(good()), { maxSeconds: 0.05 }))).toBe(false);
  });
});
