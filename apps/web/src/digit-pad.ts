// The drawing pad: strokes drawn with a mouse, a finger or a pen (Pointer Events), turned into
// an MNIST-style digit — the ink's bounding box scaled to fit 20 × 20 pixels by area averaging,
// centred in 28 × 28, grey levels 0..1 with the ink at 1.
import { PIXELS, SIDE } from './assets.js';

/** The box MNIST fits each digit into, inside its 28 × 28 image. */
const BOX = 20;

/**
 * Resamples `ink` (a `width × height` coverage map in 0..1) to a 28 × 28 digit, or returns
 * undefined when nothing is drawn. Each output pixel is the mean of the input pixels whose
 * centres it covers (the pixel under its centre when the drawing is enlarged), so the result
 * does not depend on the browser's image smoothing.
 */
export function toDigit(ink: Float32Array, width: number, height: number): Float32Array | undefined {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((ink[y * width + x] as number) <= 0.05) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return undefined;
  const side = Math.max(right - left + 1, bottom - top + 1);
  const scale = BOX / side; // output pixels per input pixel
  const offsetX = (SIDE - (right - left + 1) * scale) / 2;
  const offsetY = (SIDE - (bottom - top + 1) * scale) / 2;
  const xs = spans(left, offsetX, scale);
  const ys = spans(top, offsetY, scale);
  const out = new Float32Array(PIXELS);
  for (let oy = 0; oy < SIDE; oy++) {
    const [y0, y1] = ys[oy] as [number, number];
    for (let ox = 0; ox < SIDE; ox++) {
      const [x0, x1] = xs[ox] as [number, number];
      let sum = 0;
      for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
        for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) sum += ink[y * width + x] as number;
      }
      out[oy * SIDE + ox] = Math.min(1, sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}

/**
 * For each of the 28 output pixels along one axis, the input pixels [from, to) whose centres it
 * covers; when it covers none (the drawing is enlarged), the one input pixel under its centre.
 */
function spans(start: number, offset: number, scale: number): [number, number][] {
  const out: [number, number][] = [];
  for (let o = 0; o < SIDE; o++) {
    const from = Math.ceil(start + (o - offset) / scale - 0.5);
    const to = Math.ceil(start + (o + 1 - offset) / scale - 0.5);
    if (to > from) {
      out.push([from, to]);
    } else {
      const at = Math.floor(start + (o + 0.5 - offset) / scale);
      out.push([at, at + 1]);
    }
  }
  return out;
}

/** Draws a 28 × 28 digit (values 0..1, or bytes 0..255 with `bytes`) onto `canvas`, scaled to fill it. */
export function paintDigit(canvas: HTMLCanvasElement, image: ArrayLike<number>, bytes = false): void {
  const small = document.createElement('canvas');
  small.width = SIDE;
  small.height = SIDE;
  const ctx = small.getContext('2d');
  const target = canvas.getContext('2d');
  if (ctx === null || target === null) return;
  const pixels = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const v = bytes ? (image[i] as number) : Math.round((image[i] as number) * 255);
    pixels.data[i * 4] = v;
    pixels.data[i * 4 + 1] = v;
    pixels.data[i * 4 + 2] = v;
    pixels.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  target.imageSmoothingEnabled = false;
  target.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** A canvas to draw a digit on. `onStroke` runs after each stroke with the digit drawn so far. */
export class DigitPad {
  private drawing = false;
  private last: { x: number; y: number } | undefined;
  private shown: Float32Array | undefined;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onStroke: (digit: Float32Array | undefined) => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('This browser has no 2D canvas.');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  /** Erases the pad. */
  clear(): void {
    this.shown = undefined;
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Shows a digit picked elsewhere (e.g. from the strip); `digit()` returns it unchanged. */
  show(image: Float32Array): void {
    this.clear();
    paintDigit(this.canvas, image);
    this.shown = image;
  }

  /** The digit on the pad, or undefined when it is empty. */
  digit(): Float32Array | undefined {
    if (this.shown !== undefined) return this.shown;
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = (rgba[i * 4] as number) / 255;
    return toDigit(ink, width, height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    if (this.shown !== undefined) this.clear(); // drawing starts over a picked digit
    this.canvas.setPointerCapture(e.pointerId);
    this.drawing = true;
    this.last = this.point(e);
    this.line(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.drawing || this.last === undefined) return;
    e.preventDefault();
    const p = this.point(e);
    this.line(this.last, p);
    this.last = p;
  }

  private up(e: PointerEvent): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = undefined;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.onStroke(this.digit());
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }
}
