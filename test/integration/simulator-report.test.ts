/**
 * The HTML report, as a person sees it: render the incident scenario's report, take a headless
 * Chromium screenshot, and check that the charts were drawn (the strategies' colours cover a fair
 * number of pixels). Needs `chromium` (installed by .ci/run; `apt-get install -y chromium`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/simulator/report.js';
import { loadScenario } from '../../src/simulator/scenario.js';
import { simulate } from '../../src/simulator/simulate.js';

const run = promisify(execFile);
const WIDTH = 1200;
const HEIGHT = 1600;

interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel. */
  readonly pixels: Uint8Array;
}

/** Decode an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes). */
function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
      expect(data[12]).toBe(0); // not interlaced
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  const prev = new Uint8Array(stride);
  const line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (row[i]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 4; k++) out[(y * width + x) * 4 + k] = k < channels ? line[x * channels + k]! : 255;
    }
    prev.set(line);
  }
  return { width, height, pixels: out };
}

/** Pixels within `tolerance` of `hex` in every channel. */
function countColor(image: Image, hex: string, tolerance = 40): number {
  const target = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let p = 0; p < image.pixels.length; p += 4) {
    if (target.every((v, k) => Math.abs(image.pixels[p + k]! - v) <= tolerance)) count++;
  }
  return count;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasegate-report-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulator HTML report in Chromium', () => {
  it('renders the charts of the incident scenario', async () => {
    const scenario = await loadScenario(join(import.meta.dirname, '../../examples/scenarios/incident.yaml'));
    const outcome = await simulate(scenario);
    const html = join(dir, 'report.html');
    await writeFile(html, renderHtml(outcome, scenario));
    const png = join(dir, 'report.png');
    await run(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${png}`,
        `--window-size=${WIDTH},${HEIGHT}`,
        pathToFileURL(html).href,
      ],
      { timeout: 60_000 },
    ).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new Error('chromium is not on the PATH: this test needs it (apt-get install -y chromium)', {
        cause: error,
      });
    });
    expect((await stat(png)).size).toBeGreaterThan(30_000);
    const image = decodePng(await readFile(png));
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
    // Every strategy's colour is on screen: its card, its legend entries and its lines.
    for (const color of ['#c8324b', '#d98b0b', '#0b7a75']) {
      expect(countColor(image, color), color).toBeGreaterThan(2_000);
    }
    // ...and the counter tells colours apart: a colour the report does not use is (nearly) absent.
    expect(countColor(image, '#7b3fa0')).toBeLessThan(200);
    // Mostly light background, but far from blank: text, axes and lines.
    const dark = countColor(image, '#1d2733', 60);
    expect(dark).toBeGreaterThan(5_000);
  });
});
