import { SimkitError } from '@simkit/core';
import {
  backend_util,
  concat,
  engine,
  getKernel,
  type KernelBackend,
  matMul,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  pad,
  registerKernel,
  reshape,
  stridedSlice,
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  type TensorInfo,
  tidy,
} from '@tensorflow/tfjs-core';

const KERNEL_NAME = 'Conv2DBackpropFilter';
const BACKEND_NAME = 'wasm';

type Conv2DPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function pair(value: number | readonly number[] | undefined, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? fallback, value[1] ?? fallback];
}

/** Wraps a kernel input as a tensor the ops can take, holding its own reference to the data. */
function borrow(info: TensorInfo, backend: KernelBackend): Tensor {
  const t = engine().makeTensorFromTensorInfo(info, backend);
  backend.incRef(info.dataId);
  return t;
}

/**
 * The gradient of a 2-D convolution with respect to its filter, NHWC, composed from
 * kernels the wasm backend has: the (padded) input is cut into one strided slice per
 * filter tap, the slices are laid side by side into an `[N·Ho·Wo, kh·kw·Cin]` patch
 * matrix, and one matrix product with `dy` as `[N·Ho·Wo, Cout]` gives every tap's
 * `[Cin, Cout]` block at once: `dW[i, j, c, o] = Σ x[n, i + sh·y, j + sw·x, c] · dy[n, y, x, o]`.
 */
function conv2dBackpropFilter(args: {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new SimkitError(
      'UNSUPPORTED',
      `The wasm Conv2DBackpropFilter from registerWasmConvGradients supports dataFormat 'NHWC' only; got '${attrs.dataFormat}'. Use channelsLast layers, or the cpu backend.`,
    );
  }
  const [dh, dw] = pair(attrs.dilations, 1);
  if (dh !== 1 || dw !== 1) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The wasm Conv2DBackpropFilter from registerWasmConvGradients supports dilation 1 only; got [${dh}, ${dw}]. Use dilationRate 1, or the cpu backend.`,
    );
  }
  const strides = pair(attrs.strides, 1);
  const filterShape = attrs.filterShape;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, cin, cout] = filterShape;
  const { outHeight, outWidth, strideHeight, strideWidth, padInfo, batchSize } = info;

  const result = tidy(() => {
    const x4 = borrow(x, backend) as Tensor4D;
    const dy4 = borrow(dy, backend) as Tensor4D;
    // Pad by the forward pass's padding; any padding beyond what the taps reach is never read.
    const padded =
      padInfo.top > 0 || padInfo.bottom > 0 || padInfo.left > 0 || padInfo.right > 0
        ? pad(x4, [
            [0, 0],
            [Math.max(padInfo.top, 0), Math.max(padInfo.bottom, 0)],
            [Math.max(padInfo.left, 0), Math.max(padInfo.right, 0)],
            [0, 0],
          ])
        : x4;
    const rows = batchSize * outHeight * outWidth;
    const taps: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const tap = stridedSlice(
          padded,
          [0, i, j, 0],
          [batchSize, i + (outHeight - 1) * strideHeight + 1, j + (outWidth - 1) * strideWidth + 1, cin],
          [1, strideHeight, strideWidth, 1],
        );
        taps.push(tap);
      }
    }
    // [N, Ho, Wo, kh·kw·Cin], tap-major: reshaping the product gives [kh, kw, Cin, Cout] directly.
    const patches = reshape(taps.length === 1 ? (taps[0] as Tensor) : concat(taps, 3), [rows, kh * kw * cin]);
    const grads = reshape(dy4, [rows, cout]) as Tensor2D;
    const dW = matMul(patches as Tensor2D, grads, true, false);
    return reshape(dW, [kh, kw, cin, cout]);
  });
  const out: TensorInfo = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  // Keep the data alive past disposing the op-level tensor; the engine wraps `out` itself.
  backend.incRef(result.dataId);
  result.dispose();
  return out;
}

/**
 * Registers a `Conv2DBackpropFilter` kernel for the TensorFlow.js wasm backend, which
 * lacks one (tfjs-backend-wasm 4.22), so that `conv2d` filters can be trained on wasm.
 * The kernel is composed from wasm's own pad, strided-slice, concat and matMul kernels,
 * and supports NHWC data, any strides, 'same', 'valid' and explicit padding, and
 * dilation 1 (other settings throw UNSUPPORTED when the gradient runs).
 *
 * Idempotent: does nothing when a wasm kernel of that name is already registered.
 * Nothing happens on import; `selectBackend` calls this when it picks wasm.
 * Returns true when it registered the kernel, false when one was already there.
 */
export function registerWasmConvGradients(): boolean {
  if (getKernel(KERNEL_NAME, BACKEND_NAME) !== undefined) return false;
  registerKernel({
    kernelName: KERNEL_NAME,
    backendName: BACKEND_NAME,
    kernelFunc: conv2dBackpropFilter as unknown as Parameters<typeof registerKernel>[0]['kernelFunc'],
  });
  return true;
}
