/** Sums the channels of each pixel of an image stored (pixels, channels) into `out` (one value per pixel). */
export function sumChannels(src: Float32Array, channels: number, out: Float64Array): Float64Array {
  for (let p = 0; p < out.length; p++) {
    let v = 0;
    for (let ch = 0; ch < channels; ch++) v += src[p * channels + ch] as number;
    out[p] = v;
  }
  return out;
}
