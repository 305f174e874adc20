using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>
/// Batch normalization with learned scale (gamma) and shift (beta) and running statistics for inference. Besides the
/// whole-batch passes, the statistics come in per-part sums (<see cref="ChannelSums"/>, <see cref="ChannelSquaredDeviations"/>,
/// <see cref="GradientSums"/>) so a batch split across threads into sub-batches can add them up in a fixed order and
/// normalize every part with the statistics of the whole batch.
/// </summary>
public static class BatchNorm
{
    /// <summary>
    /// y := gamma * (x - mean) * invStd + beta with the batch's own statistics, saved in savedMean/savedInvStd (C) for backward.
    /// running := (1 - momentum) * running + momentum * batch, with the unbiased variance for runningVariance (PyTorch's convention).
    /// With <paramref name="relu"/>, y is rectified in the same pass (a following ReLU).
    /// </summary>
    public static void ForwardTraining(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> y, Span<float> savedMean, Span<float> savedInvStd,
        Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon, bool relu = false)
    {
        int c = shape.Channels;
        double count = (double)shape.Batch * shape.Spatial;
        for (int ch = 0; ch < c; ch++)
        {
            double mean = ChannelSum(shape, x, ch) / count;
            double sq = ChannelSquaredDeviation(shape, x, ch, (float)mean);
            double variance = sq / count;
            float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
            savedMean[ch] = (float)mean;
            savedInvStd[ch] = invStd;
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * (float)mean;
            runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * (float)(count > 1 ? sq / (count - 1) : variance);
            float scale = gamma[ch] * invStd;
            Affine(shape, x, y, ch, scale, beta[ch] - (float)mean * scale, relu);
        }
    }

    /// <summary>y := gamma * (x - runningMean) / sqrt(runningVariance + epsilon) + beta, rectified when <paramref name="relu"/>.</summary>
    public static void ForwardInference(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon,
        Span<float> y, bool relu = false)
    {
        for (int ch = 0; ch < shape.Channels; ch++)
        {
            float invStd = 1f / MathF.Sqrt(runningVariance[ch] + epsilon);
            float scale = gamma[ch] * invStd;
            Affine(shape, x, y, ch, scale, beta[ch] - runningMean[ch] * scale, relu);
        }
    }

    /// <summary>dx := gradient through the batch statistics (overwritten); dGamma (C) += and dBeta (C) += their gradients.</summary>
    public static void Backward(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInvStd,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        double count = (double)shape.Batch * shape.Spatial;
        for (int ch = 0; ch < shape.Channels; ch++)
        {
            (double sumDy, double sumDyXhat) = ChannelGradientSums(shape, x, dy, ch, savedMean[ch], savedInvStd[ch]);
            dGamma[ch] += (float)sumDyXhat;
            dBeta[ch] += (float)sumDy;
            ChannelBackwardData(shape, x, dy, dx, ch, gamma[ch], savedMean[ch], savedInvStd[ch],
                (float)(sumDy / count), (float)(sumDyXhat / count));
        }
    }

    /// <summary>sums[ch] := the sum of x over this part's samples and positions (C doubles): one part of the batch mean.</summary>
    public static void ChannelSums(in BatchNormShape shape, ReadOnlySpan<float> x, Span<double> sums)
    {
        Check(shape, x.Length, sums.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
            sums[ch] = ChannelSum(shape, x, ch);
    }

    /// <summary>
    /// pooled := the 2x2, stride-2 max pool (<see cref="Pooling.MaxPool2d.IsTwoByTwo"/>) of x * scale[ch] + shift[ch],
    /// rectified when <paramref name="relu"/>, with argmax as <see cref="Pooling.MaxPool2d.Forward"/> gives it: the same
    /// floats as <see cref="Normalize"/> then the pool, without writing the normalized tensor (a few rows of a plane at a
    /// time go through a buffer on the stack). <paramref name="pool"/> is the pool's shape over this (N, C, H, W) input.
    /// When <paramref name="winners"/> is not empty, it receives each window's winning x (before normalizing): all that
    /// <see cref="PooledGradientSums"/> needs of x.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length or the pool's shape does not match.</exception>
    public static unsafe void AffineMaxPool2x2(in BatchNormShape shape, in Pooling.Pool2dShape pool, ReadOnlySpan<float> x,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, bool relu, Span<float> pooled, Span<int> argmax,
        Span<float> winners = default)
    {
        Check(shape, x.Length, Math.Min(scale.Length, shift.Length));
        if (!Pooling.MaxPool2d.IsTwoByTwo(pool) || pool.Batch != shape.Batch || pool.Channels != shape.Channels
            || pool.Height * pool.Width != shape.Spatial)
            throw new ArgumentException($"The pool {pool} is not a 2x2, stride-2 window over this batch norm's input.", nameof(pool));
        if (pooled.Length != pool.OutputSize || argmax.Length != pool.OutputSize)
            throw new ArgumentException($"pooled and argmax must have {pool.OutputSize} elements; they have {pooled.Length} and {argmax.Length}.");
        if (!winners.IsEmpty && winners.Length != pool.OutputSize)
            throw new ArgumentException($"winners must be empty or have {pool.OutputSize} elements; it has {winners.Length}.", nameof(winners));
        fixed (float* px = x, pOut = pooled, pWin = winners)
        fixed (int* pArg = argmax)
        {
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: BatchNormRows<Simd512, Vector512<float>>.AffineMaxPool2x2(shape, pool, px, scale, shift, relu, pOut, pArg, pWin); break;
                case VectorWidth.Bits256: BatchNormRows<Simd256, Vector256<float>>.AffineMaxPool2x2(shape, pool, px, scale, shift, relu, pOut, pArg, pWin); break;
                case VectorWidth.Bits128: BatchNormRows<Simd128, Vector128<float>>.AffineMaxPool2x2(shape, pool, px, scale, shift, relu, pOut, pArg, pWin); break;
                default: BatchNormRows<SimdScalar, float>.AffineMaxPool2x2(shape, pool, px, scale, shift, relu, pOut, pArg, pWin); break;
            }
        }
    }

    /// <summary>squares[ch] := the sum of (x - mean[ch])² over this part (C doubles): one part of the batch variance around the whole batch's mean.</summary>
    public static void ChannelSquaredDeviations(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<double> squares)
    {
        Check(shape, x.Length, squares.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
            squares[ch] = ChannelSquaredDeviation(shape, x, ch, mean[ch]);
    }

    /// <summary>y := gamma * (x - mean) * invStd + beta with given statistics (those of the whole batch this part belongs to), rectified when <paramref name="relu"/>.</summary>
    public static void Normalize(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> y, bool relu = false)
    {
        Check(shape, x.Length, mean.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
        {
            float scale = gamma[ch] * invStd[ch];
            Affine(shape, x, y, ch, scale, beta[ch] - mean[ch] * scale, relu);
        }
    }

    /// <summary>
    /// sumDy[ch] := the sum of dy and sumDyXhat[ch] := the sum of dy * (x - mean) * invStd over this part (C doubles each):
    /// one part of the whole batch's dBeta and dGamma.
    /// </summary>
    public static void GradientSums(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> invStd, Span<double> sumDy, Span<double> sumDyXhat)
    {
        Check(shape, x.Length, sumDy.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
            (sumDy[ch], sumDyXhat[ch]) = ChannelGradientSums(shape, x, dy, ch, mean[ch], invStd[ch]);
    }

    /// <summary>
    /// dx := gamma * invStd * (dy - meanDy - xhat * meanDyXhat) for this part, with the whole batch's statistics and its
    /// means of dy and dy * xhat (C each); overwrites dx.
    /// </summary>
    public static void BackwardData(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat, Span<float> dx)
    {
        Check(shape, x.Length, meanDy.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
            ChannelBackwardData(shape, x, dy, dx, ch, gamma[ch], mean[ch], invStd[ch], meanDy[ch], meanDyXhat[ch]);
    }

    /// <summary>
    /// <see cref="GradientSums"/> for a batch norm whose 2x2 max pool (<see cref="AffineMaxPool2x2"/>) came after it, from
    /// the pool's side only: dPooled, the pooled output when a ReLU sat between them (<paramref name="rectifiedPooled"/>,
    /// empty otherwise) and the winners' x. Only winners carry gradient, so a quarter of the map is read and the full
    /// dy is never formed. <paramref name="gated"/> receives dPooled as it reaches the winners (zero where the ReLU was
    /// off), for <see cref="PooledBackwardData"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pool's output.</exception>
    public static unsafe void PooledGradientSums(in Pooling.Pool2dShape pool, ReadOnlySpan<float> dPooled, ReadOnlySpan<float> rectifiedPooled,
        ReadOnlySpan<float> winners, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<double> sumDy, Span<double> sumDyXhat,
        Span<float> gated)
    {
        int size = pool.OutputSize, c = pool.Channels, plane = pool.OutHeight * pool.OutWidth;
        if (dPooled.Length != size || winners.Length != size || gated.Length != size || (!rectifiedPooled.IsEmpty && rectifiedPooled.Length != size))
            throw new ArgumentException($"dPooled, winners, gated (and the rectified output when given) must have the pool's {size} outputs.");
        if (mean.Length < c || invStd.Length < c || sumDy.Length < c || sumDyXhat.Length < c)
            throw new ArgumentException($"The per-channel buffers must have C = {c} elements.");
        fixed (float* pd = dPooled, pg = rectifiedPooled, pw = winners, po = gated)
        {
            for (int ch = 0; ch < c; ch++)
            {
                var rows = new ChannelRows((long)ch * plane, (long)c * plane, pool.Batch, plane);
                (sumDy[ch], sumDyXhat[ch]) = KernelSettings.EffectiveVectorWidth switch
                {
                    VectorWidth.Bits512 => BatchNormRows<Simd512, Vector512<float>>.GatedGradientSums(rows, pd, pg, pw, mean[ch], invStd[ch], po),
                    VectorWidth.Bits256 => BatchNormRows<Simd256, Vector256<float>>.GatedGradientSums(rows, pd, pg, pw, mean[ch], invStd[ch], po),
                    VectorWidth.Bits128 => BatchNormRows<Simd128, Vector128<float>>.GatedGradientSums(rows, pd, pg, pw, mean[ch], invStd[ch], po),
                    _ => BatchNormRows<SimdScalar, float>.GatedGradientSums(rows, pd, pg, pw, mean[ch], invStd[ch], po),
                };
            }
        }
    }

    /// <summary>
    /// <see cref="BackwardData"/> for a batch norm whose 2x2 max pool came after it, from the gated pooled gradient of
    /// <see cref="PooledGradientSums"/> and the pool's winners: the pool's backward and this one in one pass, the same
    /// floats as routing the gradient to the winners first and then running <see cref="BackwardData"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length or the pool's shape does not match.</exception>
    public static unsafe void PooledBackwardData(in BatchNormShape shape, in Pooling.Pool2dShape pool, ReadOnlySpan<float> x,
        ReadOnlySpan<float> gated, ReadOnlySpan<int> argmax, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
        ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat, Span<float> dx)
    {
        Check(shape, x.Length, Math.Min(gamma.Length, meanDy.Length));
        if (!Pooling.MaxPool2d.IsTwoByTwo(pool) || pool.Batch != shape.Batch || pool.Channels != shape.Channels
            || pool.Height * pool.Width != shape.Spatial)
            throw new ArgumentException($"The pool {pool} is not a 2x2, stride-2 window over this batch norm's input.", nameof(pool));
        if (gated.Length != pool.OutputSize || argmax.Length != pool.OutputSize || dx.Length != shape.Size)
            throw new ArgumentException($"gated and argmax must have the pool's {pool.OutputSize} outputs and dx N*C*S = {shape.Size}.");
        int c = shape.Channels;
        float[]? rented = 3 * c > 3072 ? System.Buffers.ArrayPool<float>.Shared.Rent(3 * c) : null;
        Span<float> constants = rented ?? stackalloc float[3 * c];
        for (int ch = 0; ch < c; ch++)
            (constants[ch], constants[c + ch], constants[2 * c + ch]) = BackwardConstants(gamma[ch], mean[ch], invStd[ch], meanDy[ch], meanDyXhat[ch]);
        Pooling.MaxPool2x2.BackwardThroughAffine(pool, gated, argmax, x, constants[..c], constants.Slice(c, c), constants.Slice(2 * c, c), dx);
        if (rented != null)
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }

    // dx = k (dy - mean(dy) - xhat mean(dy xhat)) = k dy + (x * a + bias), the constants folded once per channel.
    private static (float K, float A, float Bias) BackwardConstants(float gamma, float mean, float invStd, float meanDy, float meanDyXhat)
    {
        float k = gamma * invStd;
        return (k, -k * meanDyXhat * invStd, -k * meanDy + k * meanDyXhat * invStd * mean);
    }

    // Each helper below picks the SIMD width once per channel and loops over that channel's batch rows (one contiguous
    // row of S floats per sample) inside BatchNormRows: a call per row cost more than the row's arithmetic at S = 784.

    private static unsafe double ChannelSum(in BatchNormShape shape, ReadOnlySpan<float> x, int ch)
    {
        fixed (float* px = x)
        {
            var rows = Rows(shape, ch);
            return KernelSettings.EffectiveVectorWidth switch
            {
                VectorWidth.Bits512 => BatchNormRows<Simd512, Vector512<float>>.Sum(rows, px, 0f, squaredDeviation: false),
                VectorWidth.Bits256 => BatchNormRows<Simd256, Vector256<float>>.Sum(rows, px, 0f, squaredDeviation: false),
                VectorWidth.Bits128 => BatchNormRows<Simd128, Vector128<float>>.Sum(rows, px, 0f, squaredDeviation: false),
                _ => BatchNormRows<SimdScalar, float>.Sum(rows, px, 0f, squaredDeviation: false),
            };
        }
    }

    private static unsafe double ChannelSquaredDeviation(in BatchNormShape shape, ReadOnlySpan<float> x, int ch, float mean)
    {
        fixed (float* px = x)
        {
            var rows = Rows(shape, ch);
            return KernelSettings.EffectiveVectorWidth switch
            {
                VectorWidth.Bits512 => BatchNormRows<Simd512, Vector512<float>>.Sum(rows, px, mean, squaredDeviation: true),
                VectorWidth.Bits256 => BatchNormRows<Simd256, Vector256<float>>.Sum(rows, px, mean, squaredDeviation: true),
                VectorWidth.Bits128 => BatchNormRows<Simd128, Vector128<float>>.Sum(rows, px, mean, squaredDeviation: true),
                _ => BatchNormRows<SimdScalar, float>.Sum(rows, px, mean, squaredDeviation: true),
            };
        }
    }

    private static unsafe (double SumDy, double SumDyXhat) ChannelGradientSums(in BatchNormShape shape, ReadOnlySpan<float> x,
        ReadOnlySpan<float> dy, int ch, float mean, float invStd)
    {
        fixed (float* px = x, pdy = dy)
        {
            var rows = Rows(shape, ch);
            return KernelSettings.EffectiveVectorWidth switch
            {
                VectorWidth.Bits512 => BatchNormRows<Simd512, Vector512<float>>.GradientSums(rows, pdy, px, mean, invStd),
                VectorWidth.Bits256 => BatchNormRows<Simd256, Vector256<float>>.GradientSums(rows, pdy, px, mean, invStd),
                VectorWidth.Bits128 => BatchNormRows<Simd128, Vector128<float>>.GradientSums(rows, pdy, px, mean, invStd),
                _ => BatchNormRows<SimdScalar, float>.GradientSums(rows, pdy, px, mean, invStd),
            };
        }
    }

    private static unsafe void ChannelBackwardData(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx,
        int ch, float gamma, float mean, float invStd, float meanDy, float meanDyXhat)
    {
        (float k, float a, float bias) = BackwardConstants(gamma, mean, invStd, meanDy, meanDyXhat);
        fixed (float* px = x, pdy = dy, pdx = dx)
        {
            var rows = Rows(shape, ch);
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: BatchNormRows<Simd512, Vector512<float>>.Combine(rows, pdy, px, pdx, k, a, bias); break;
                case VectorWidth.Bits256: BatchNormRows<Simd256, Vector256<float>>.Combine(rows, pdy, px, pdx, k, a, bias); break;
                case VectorWidth.Bits128: BatchNormRows<Simd128, Vector128<float>>.Combine(rows, pdy, px, pdx, k, a, bias); break;
                default: BatchNormRows<SimdScalar, float>.Combine(rows, pdy, px, pdx, k, a, bias); break;
            }
        }
    }

    private static unsafe void Affine(in BatchNormShape shape, ReadOnlySpan<float> x, Span<float> y, int ch, float scale, float shift, bool relu)
    {
        fixed (float* px = x, py = y)
        {
            var rows = Rows(shape, ch);
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: BatchNormRows<Simd512, Vector512<float>>.Affine(rows, px, py, scale, shift, relu); break;
                case VectorWidth.Bits256: BatchNormRows<Simd256, Vector256<float>>.Affine(rows, px, py, scale, shift, relu); break;
                case VectorWidth.Bits128: BatchNormRows<Simd128, Vector128<float>>.Affine(rows, px, py, scale, shift, relu); break;
                default: BatchNormRows<SimdScalar, float>.Affine(rows, px, py, scale, shift, relu); break;
            }
        }
    }

    private static ChannelRows Rows(in BatchNormShape shape, int ch) =>
        new((long)ch * shape.Spatial, (long)shape.Channels * shape.Spatial, shape.Batch, shape.Spatial);

    private static void Check(in BatchNormShape shape, int x, int perChannel)
    {
        if (x != shape.Size)
            throw new ArgumentException($"x has {x} elements; expected N*C*S = {shape.Size}.", nameof(x));
        if (perChannel < shape.Channels)
            throw new ArgumentException($"The per-channel buffers have {perChannel} elements; expected C = {shape.Channels}.");
    }
}
