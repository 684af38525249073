/**
 * Reading WAV files into the extractor's signal, block by block so memory follows the output.
 * In: a path to a RIFF/WAVE file: 8-bit unsigned, 16/24/32-bit integer or 32/64-bit float PCM,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count and rate. Out: the mean of its channels at
 * RATE, or an AudioProblem saying in one line why not.
 */
import { open, type FileHandle } from "node:fs/promises";
import { Resampler } from "./resample.js";
import { RATE, type Signal } from "./types.js";

export interface WavAudio {
  /** Mono (mean of the channels) at RATE. */
  signal: Signal;
  sourceRate: number;
  channels: number;
  /** "pcm8", "pcm16", "pcm24", "pcm32", "float32" or "float64". */
  encoding: string;
  /** Length of the source audio. */
  seconds: number;
}

/** Why a file could not be read, in one line; the caller adds the file name. */
export interface AudioProblem {
  problem: string;
}

export function isAudioProblem(value: WavAudio | AudioProblem): value is AudioProblem {
  return "problem" in value;
}

const DEFAULT_MAX_SECONDS = 3600;
/** Bytes read at a time; whole frames only, so no frame straddles two blocks. */
const BLOCK_BYTES = 1 << 20;
/** Streaming writers (ffmpeg to a pipe, for one) leave this in the data size they cannot seek back to. */
const UNKNOWN_SIZE = 0xffffffff;
/** Header rates outside this range are taken for a corrupt header rather than real audio. */
const MIN_RATE = 1000;
const MAX_RATE = 768000;
/** KSDATAFORMAT_SUBTYPE_* GUIDs are the format tag followed by these 14 bytes. */
const SUBFORMAT_TAIL = "000000001000800000aa00389b71";

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const CONVERT_HINT = "convert to PCM, e.g. `sox in.wav -e signed-integer out.wav`";
const KNOWN_FORMATS: Record<number, string> = {
  2: "Microsoft ADPCM",
  6: "A-law",
  7: "μ-law",
  0x11: "IMA ADPCM",
  0x31: "GSM 6.10",
  0x50: "MPEG",
  0x55: "MP3",
  0xff: "AAC",
};

type Encoding = "pcm8" | "pcm16" | "pcm24" | "pcm32" | "float32" | "float64";

interface Format {
  encoding: Encoding;
  channels: number;
  rate: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
}

/** Where the samples are and how many bytes of whole frames to read. */
interface DataChunk {
  offset: number;
  bytes: number;
}

const problem = (text: string): AudioProblem => ({ problem: text });

export async function readWav(
  path: string,
  opts: { maxSeconds?: number } = {},
): Promise<WavAudio | AudioProblem> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    return problem(`cannot open the file: ${describeError(error)}`);
  }
  try {
    return await readOpenWav(handle, opts.maxSeconds ?? DEFAULT_MAX_SECONDS);
  } catch (error) {
    // Only I/O can throw past this point (a directory, a disk error): still a value for the caller.
    return problem(`cannot read the file: ${describeError(error)}`);
  } finally {
    await handle.close();
  }
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}

async function readOpenWav(
  handle: FileHandle,
  maxSeconds: number,
): Promise<WavAudio | AudioProblem> {
  const fileSize = (await handle.stat()).size;
  const header = await readAt(handle, 0, 12);
  const magic = header.toString("latin1", 0, 4);
  if (magic === "RIFX") return problem("unsupported: big-endian WAV (RIFX)");
  if (magic === "RF64") return problem("unsupported: RF64 (WAV over 4 GiB)");
  if (magic === "RIFF" && header.length < 12) {
    return problem(`truncated header: the file ends after ${header.length} bytes`);
  }
  if (header.length < 12 || magic !== "RIFF" || header.toString("latin1", 8, 12) !== "WAVE") {
    return problem("not a WAV file (no RIFF/WAVE header)");
  }

  const found = await findChunks(handle, fileSize);
  if ("problem" in found) return found;
  const format = parseFormat(found.fmt);
  if ("problem" in format) return format;
  const data = dataExtent(found.dataOffset, found.dataSize, fileSize, format.blockAlign);
  if ("problem" in data) return data;

  const frames = data.bytes / format.blockAlign;
  const seconds = frames / format.rate;
  if (seconds > maxSeconds) {
    const length = Number(seconds.toPrecision(4));
    return problem(`too long: ${length} s of audio, over the ${maxSeconds} s limit`);
  }
  const samples = await decode(handle, data, format, frames);
  if ("problem" in samples) return samples;
  return {
    signal: { samples },
    sourceRate: format.rate,
    channels: format.channels,
    encoding: format.encoding,
    seconds,
  };
}

/** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Walks the chunks after the RIFF header (each: 4-byte id, 4-byte size, body, a pad byte when the
 * size is odd) to the fmt body and the data chunk's place. The RIFF size itself is ignored: many
 * writers get it wrong, and the file's real size is known.
 */
async function findChunks(
  handle: FileHandle,
  fileSize: number,
): Promise<{ fmt: Buffer; dataOffset: number; dataSize: number } | AudioProblem> {
  let fmt: Buffer | undefined;
  let dataOffset: number | undefined;
  let dataSize = 0;
  let position = 12;
  while (fmt === undefined || dataOffset === undefined) {
    const chunkHeader = await readAt(handle, position, 8);
    if (chunkHeader.length < 8) {
      if (fmt === undefined && dataOffset === undefined) {
        return problem("truncated header: no fmt chunk before the file ends");
      }
      if (fmt === undefined) return problem("bad header: no fmt chunk");
      return problem("no data chunk: the file ends after the header");
    }
    // Printable, so that a corrupt id cannot break the one-line message.
    const id = chunkHeader.toString("latin1", 0, 4).replace(/[^\x20-\x7e]/g, "?");
    const size = chunkHeader.readUInt32LE(4);
    const body = position + 8;
    if (id === "data") {
      dataOffset = body;
      dataSize = size;
      // With the size unknown or past the end, the samples run to the end: nothing can follow.
      if (size === UNKNOWN_SIZE || body + size > fileSize) break;
    } else if (body + size > fileSize) {
      return problem(
        `truncated: the '${id}' chunk declares ${size} bytes but the file ends after ${fileSize - body}`,
      );
    } else if (id === "fmt ") {
      fmt = await readAt(handle, body, Math.min(size, 64));
    }
    position = body + size + (size & 1);
  }
  if (fmt === undefined) return problem("bad header: no fmt chunk before the samples");
  return { fmt, dataOffset, dataSize };
}

function parseFormat(fmt: Buffer): Format | AudioProblem {
  if (fmt.length < 16) return problem(`bad header: the fmt chunk is ${fmt.length} bytes, under 16`);
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const rate = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bits = fmt.readUInt16LE(14);
  if (tag === FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) {
      return problem(`bad header: an extensible fmt chunk is ${fmt.length} bytes, under 40`);
    }
    const guidTail = fmt.toString("hex", 26, 40);
    tag = fmt.readUInt16LE(24);
    if (guidTail !== SUBFORMAT_TAIL) {
      return problem(`unsupported encoding: extensible subformat ${fmt.toString("hex", 24, 40)}`);
    }
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    const name = KNOWN_FORMATS[tag] ?? "unknown";
    const hex = tag.toString(16).padStart(4, "0");
    return problem(`unsupported encoding: ${name} (format ${tag}, 0x${hex}); ${CONVERT_HINT}`);
  }
  if (channels === 0) return problem("bad header: the fmt chunk says 0 channels");
  if (rate === 0) return problem("bad header: the fmt chunk says a sample rate of 0 Hz");
  if (bits === 0) return problem("bad header: the fmt chunk says 0 bits per sample");
  if (rate < MIN_RATE || rate > MAX_RATE) {
    return problem(`bad header: a sample rate of ${rate} Hz (accepted: ${MIN_RATE}–${MAX_RATE})`);
  }
  // Bits that are not a multiple of 8 (12-bit PCM) sit left-justified in a whole-byte container.
  const containerBytes = Math.ceil(bits / 8);
  const encoding = encodingOf(tag, containerBytes);
  if (encoding === undefined) {
    const kind = tag === FORMAT_FLOAT ? "float" : "integer PCM";
    return problem(`unsupported encoding: ${bits}-bit ${kind}`);
  }
  if (blockAlign !== channels * containerBytes) {
    return problem(
      `bad header: block align ${blockAlign} but ${channels} channel(s) of ${bits} bits need ${channels * containerBytes}`,
    );
  }
  return { encoding, channels, rate, blockAlign };
}

function encodingOf(tag: number, bytes: number): Encoding | undefined {
  if (tag === FORMAT_FLOAT) return bytes === 4 ? "float32" : bytes === 8 ? "float64" : undefined;
  return bytes === 1
    ? "pcm8"
    : bytes === 2
      ? "pcm16"
      : bytes === 3
        ? "pcm24"
        : bytes === 4
          ? "pcm32"
          : undefined;
}

/**
 * The bytes of whole frames to read. A size of 0xFFFFFFFF is the streaming writers' "unknown":
 * read to the end of the file. Any other size the file does not hold is a truncated file (a
 * recording cut short, a partial copy): refused, since silently reading less hides the damage.
 * A trailing partial frame is dropped either way.
 */
function dataExtent(
  offset: number,
  declared: number,
  fileSize: number,
  blockAlign: number,
): DataChunk | AudioProblem {
  const available = Math.max(0, fileSize - offset);
  if (declared !== UNKNOWN_SIZE && declared > available) {
    return problem(
      `truncated: the data chunk declares ${declared} bytes but the file ends after ${available}`,
    );
  }
  const bytes = Math.min(declared, available);
  if (bytes === 0) return problem("no audio: the data chunk is empty");
  const wholeFrames = bytes - (bytes % blockAlign);
  if (wholeFrames === 0) return problem("no audio: the data chunk holds less than one frame");
  return { offset, bytes: wholeFrames };
}

/** Reads the data block by block, each converted to mono float and resampled as it comes. */
async function decode(
  handle: FileHandle,
  data: DataChunk,
  format: Format,
  frames: number,
): Promise<Float32Array | AudioProblem> {
  const resampler = new Resampler(format.rate, RATE);
  const output = new Float32Array(
    Math.floor((2 * frames * RATE + format.rate) / (2 * format.rate)),
  );
  let written = 0;
  const emit = (block: Float32Array) => {
    output.set(block, written);
    written += block.length;
  };
  const blockBytes = Math.max(1, Math.floor(BLOCK_BYTES / format.blockAlign)) * format.blockAlign;
  const buffer = Buffer.alloc(Math.min(blockBytes, data.bytes));
  for (let done = 0; done < data.bytes;) {
    const length = Math.min(buffer.length, data.bytes - done);
    let filled = 0;
    while (filled < length) {
      const position = data.offset + done + filled;
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position);
      if (bytesRead === 0) {
        return problem(
          `truncated: the file ended while being read, after ${done + filled} data bytes`,
        );
      }
      filled += bytesRead;
    }
    const mono = toMono(buffer.subarray(0, length), format);
    // A NaN or infinite float sample would empty most of the row through every frame it
    // touches: the file is refused instead, by name, rather than quietly changed.
    if (format.encoding.startsWith("float") && !mono.every(Number.isFinite))
      return problem("bad samples: the float data holds NaN or infinite values");
    emit(resampler.push(mono));
    done += length;
  }
  emit(resampler.end());
  return output;
}

/** Whole frames of `bytes` as the mean of their channels, scaled to [-1, 1). */
function toMono(bytes: Buffer, format: Format): Float32Array {
  const { channels, blockAlign, encoding } = format;
  const frames = bytes.length / blockAlign;
  const mono = new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = sampleReader(encoding, view, bytes);
  const size = blockAlign / channels;
  for (let frame = 0, at = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++, at += size) sum += read(at);
    mono[frame] = sum / channels;
  }
  return mono;
}

function sampleReader(encoding: Encoding, view: DataView, bytes: Buffer): (at: number) => number {
  switch (encoding) {
    case "pcm8":
      return (at) => (bytes[at]! - 128) / 128;
    case "pcm16":
      return (at) => view.getInt16(at, true) / 32768;
    case "pcm24":
      // The top byte read signed carries the sign; the low two bytes are unsigned.
      return (at) => (view.getInt8(at + 2) * 65536 + view.getUint16(at, true)) / 8388608;
    case "pcm32":
      return (at) => view.getInt32(at, true) / 2147483648;
    case "float32":
      return (at) => view.getFloat32(at, true);
    case "float64":
      return (at) => view.getFloat64(at, true);
  }
}
