/**
 * QR codes of wallet links (`openid4vp://?client_id=…&request_uri=…`, `#platform` `walletUrl`), as
 * a PNG for a marketplace page and as an SVG: error correction level M (15 % of the symbol can be
 * damaged), a quiet zone of 2 modules, PNG 320 px wide. The same text always gives the same
 * bytes. Text that does not fit in a QR code (or is empty) is `bad_input`.
 */
import QRCode from 'qrcode';
import { VerifierError } from '../errors.js';

/** Width of the PNG in pixels. */
export const QR_PNG_WIDTH = 320;
/** Error correction level and quiet zone (in modules) of every code. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The QR code of `text` as a PNG (about `QR_PNG_WIDTH` pixels square). */
export async function qrPng(text: string): Promise<Buffer> {
  checkText(text);
  try {
    return await QRCode.toBuffer(text, { ...QR_OPTIONS, type: 'png', width: QR_PNG_WIDTH });
  } catch (cause) {
    throw qrError(cause);
  }
}

/** The QR code of `text` as an SVG document (scalable; one path for the dark modules). */
export async function qrSvg(text: string): Promise<string> {
  checkText(text);
  try {
    return await QRCode.toString(text, { ...QR_OPTIONS, type: 'svg' });
  } catch (cause) {
    throw qrError(cause);
  }
}

function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.length === 0) {
    throw new VerifierError('bad_input', 'a QR code needs a non-empty text');
  }
}

function qrError(cause: unknown): VerifierError {
  if (cause instanceof Error && /too big/.test(cause.message)) {
    return new VerifierError('bad_input', 'the text is too long for a QR code', { cause });
  }
  return new VerifierError('internal', 'the QR code could not be drawn', { cause });
}
