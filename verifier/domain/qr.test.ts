/**
 * QR codes of wallet links: the PNG is a real PNG (signature, IHDR, CRCs) whose pixels, decoded
 * here with node:zlib, are exactly the QR matrix of the text at level M with a 2-module quiet
 * zone; the SVG is the same symbol; both are deterministic; text that does not fit is bad_input.
 * (No QR decoder such as jsqr is installed, so the symbol is compared with the encoder's matrix.)
 */
import { inflateSync, crc32 } from 'node:zlib';
import QRCode from 'qrcode';
import { VerifierError } from '../errors.js';
import { QR_PNG_WIDTH, qrPng, qrSvg } from './qr.js';

const LINK =
  'openid4vp://?client_id=did%3Aethr%3A0x7a69%3A0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71' +
  '&request_uri=https%3A%2F%2Fverifier.example%2Frequests%2F3f2c7f0e-8a44-4d7e-9a41-3e1c1e0c9b1d';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Image = { width: number; height: number; gray: (x: number, y: number) => number };

/** A minimal PNG reader (8-bit gray/RGB/RGBA, non-interlaced): chunks, CRCs, inflate, unfilter. */
function readPng(png: Buffer): Image {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  let offset = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    expect(crc).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  expect(ended).toBe(true);
  expect(offset).toBe(png.length);
  const width = ihdr!.readUInt32BE(0);
  const height = ihdr!.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = ihdr!.subarray(8, 13);
  expect(bitDepth).toBe(8);
  expect(interlace).toBe(0);
  const bpp = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType!];
  expect(bpp).toBeDefined();
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp!;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp! ? pixels[y * stride + i - bpp!]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= bpp! ? pixels[(y - 1) * stride + i - bpp!]! : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter}`);
      }
      pixels[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, gray: (x, y) => pixels[y * stride + x * bpp!]! };
}

describe('qrPng', () => {
  it('is a PNG of exactly the level-M symbol of the text with a 2-module quiet zone', async () => {
    const png = await qrPng(LINK);
    const image = readPng(png);
    expect(image.width).toBe(image.height);
    expect(Math.abs(image.width - QR_PNG_WIDTH)).toBeLessThanOrEqual(1);

    const symbol = QRCode.create(LINK, { errorCorrectionLevel: 'M' });
    const size = symbol.modules.size;
    const scale = image.width / (size + 4);
    const dark = (mx: number, my: number) =>
      image.gray(Math.floor((mx + 0.5) * scale), Math.floor((my + 0.5) * scale)) < 128;
    // The quiet zone (2 modules on each side) is light.
    for (let i = 0; i < size + 4; i++) {
      for (const j of [0, 1, size + 2, size + 3]) {
        expect(dark(i, j)).toBe(false);
        expect(dark(j, i)).toBe(false);
      }
    }
    // Every module of the symbol is drawn as the encoder's matrix says.
    let mismatches = 0;
    let darkModules = 0;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const expected = symbol.modules.get(r, c) === 1;
        if (expected) darkModules++;
        if (dark(c + 2, r + 2) !== expected) mismatches++;
      }
    }
    expect(darkModules).toBeGreaterThan(size * 4);
    expect(mismatches).toBe(0);
  });

  it('is deterministic and differs for another text', async () => {
    const a = await qrPng(LINK);
    expect(Buffer.compare(a, await qrPng(LINK))).toBe(0);
    expect(Buffer.compare(a, await qrPng(`${LINK}x`))).not.toBe(0);
  });
});

describe('qrSvg', () => {
  it('is an SVG of the same symbol (viewBox = modules + 2·2), deterministic', async () => {
    const svg = await qrSvg(LINK);
    const size = QRCode.create(LINK, { errorCorrectionLevel: 'M' }).modules.size;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`viewBox="0 0 ${size + 4} ${size + 4}"`);
    expect(svg).toMatch(/<path[^>]+stroke="#000000"[^>]+d="M[^"]+"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(await qrSvg(LINK)).toBe(svg);
    expect(await qrSvg(`${LINK}x`)).not.toBe(svg);
  });
});

describe('refusals', () => {
  // Level M holds at most 2331 bytes (version 40, byte mode); these 3000 characters do not fit.
  const tooLong = 'openid4vp://?' + 'a%2F'.repeat(750);

  it.each([
    ['qrPng', qrPng],
    ['qrSvg', qrSvg],
  ] as const)('%s refuses text longer than a QR code holds and empty text', async (_n, draw) => {
    await expect(draw(tooLong)).rejects.toThrow(VerifierError);
    await expect(draw(tooLong)).rejects.toMatchObject({ code: 'bad_input' });
    await expect(draw('')).rejects.toMatchObject({ code: 'bad_input' });
    await expect(draw(42 as unknown as string)).rejects.toMatchObject({ code: 'bad_input' });
  });

  it('draws the longest text that fits at level M (byte mode, 2331 bytes)', async () => {
    const png = await qrPng('a'.repeat(2331));
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    await expect(qrPng('a'.repeat(2332))).rejects.toMatchObject({ code: 'bad_input' });
  });
});
