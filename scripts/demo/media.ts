import { deflateSync } from 'node:zlib'

// Tiny encoders for the demo server's image and audio tools: real files, made in code, no assets.

export type Rgb = readonly [red: number, green: number, blue: number]

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (ISO-HDLC, the one PNG and zip use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC32_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

/** A `size`×`size` PNG (8-bit truecolour, no alpha) filled with one colour. */
export function encodeSolidPng(size: number, [red, green, blue]: Rgb): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: truecolour
  header[10] = 0 // compression: deflate
  header[11] = 0 // filter method 0
  header[12] = 0 // no interlace
  // Each scanline starts with its filter type byte (0 = none), then RGB triplets.
  const scanline = Buffer.alloc(1 + size * 3)
  for (let x = 0; x < size; x++) scanline.set([red, green, blue], 1 + x * 3)
  const pixels = Buffer.concat(Array.from({ length: size }, () => scanline))
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

export const WAV_SAMPLE_RATE_HZ = 8000
const FADE_MS = 10

/** A mono 16-bit PCM WAV of a sine tone, with a short fade in and out so it does not click. */
export function encodeSineWav(durationMs: number, frequencyHz: number): Buffer {
  const sampleCount = Math.round((durationMs * WAV_SAMPLE_RATE_HZ) / 1000)
  const fadeSamples = Math.min(Math.round((FADE_MS * WAV_SAMPLE_RATE_HZ) / 1000), Math.floor(sampleCount / 2))
  const bytesPerSample = 2
  const dataBytes = sampleCount * bytesPerSample
  const wav = Buffer.alloc(44 + dataBytes)
  // RIFF header: http://soundfile.sapp.org/doc/WaveFormat/
  wav.write('RIFF', 0, 'latin1')
  wav.writeUInt32LE(36 + dataBytes, 4)
  wav.write('WAVE', 8, 'latin1')
  wav.write('fmt ', 12, 'latin1')
  wav.writeUInt32LE(16, 16) // fmt chunk size
  wav.writeUInt16LE(1, 20) // PCM
  wav.writeUInt16LE(1, 22) // mono
  wav.writeUInt32LE(WAV_SAMPLE_RATE_HZ, 24)
  wav.writeUInt32LE(WAV_SAMPLE_RATE_HZ * bytesPerSample, 28) // byte rate
  wav.writeUInt16LE(bytesPerSample, 32) // block align
  wav.writeUInt16LE(16, 34) // bits per sample
  wav.write('data', 36, 'latin1')
  wav.writeUInt32LE(dataBytes, 40)
  const amplitude = 0.3 * 0x7fff
  for (let i = 0; i < sampleCount; i++) {
    const envelope = Math.min(1, i / Math.max(1, fadeSamples), (sampleCount - 1 - i) / Math.max(1, fadeSamples))
    const sample = Math.sin((2 * Math.PI * frequencyHz * i) / WAV_SAMPLE_RATE_HZ) * amplitude * envelope
    wav.writeInt16LE(Math.round(sample), 44 + i * bytesPerSample)
  }
  return wav
}
