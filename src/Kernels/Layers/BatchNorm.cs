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
    /// </summary>
    public static void ForwardTraining(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> y, Span<float> savedMean, Span<float> savedInvStd,
        Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon)
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
            Affine(shape, x, y, ch, scale, beta[ch] - (float)mean * scale);
        }
    }

    /// <summary>y := gamma * (x - runningMean) / sqrt(runningVariance + epsilon) + beta.</summary>
    public static void ForwardInference(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon,
        Span<float> y)
    {
        for (int ch = 0; ch < shape.Channels; ch++)
        {
            float invStd = 1f / MathF.Sqrt(runningVariance[ch] + epsilon);
            float scale = gamma[ch] * invStd;
            Affine(shape, x, y, ch, scale, beta[ch] - runningMean[ch] * scale);
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

    /// <summary>squares[ch] := the sum of (x - mean[ch])² over this part (C doubles): one part of the batch variance around the whole batch's mean.</summary>
    public static void ChannelSquaredDeviations(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<double> squares)
    {
        Check(shape, x.Length, squares.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
            squares[ch] = ChannelSquaredDeviation(shape, x, ch, mean[ch]);
    }

    /// <summary>y := gamma * (x - mean) * invStd + beta with given statistics (those of the whole batch this part belongs to).</summary>
    public static void Normalize(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> y)
    {
        Check(shape, x.Length, mean.Length);
        for (int ch = 0; ch < shape.Channels; ch++)
        {
            float scale = gamma[ch] * invStd[ch];
            Affine(shape, x, y, ch, scale, beta[ch] - mean[ch] * scale);
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

    private static double ChannelSum(in BatchNormShape shape, ReadOnlySpan<float> x, int ch)
    {
        int c = shape.Channels, s = shape.Spatial;
        double sum = 0;
        for (int b = 0; b < shape.Batch; b++)
            sum += Reductions.Sum(x.Slice((b * c + ch) * s, s));
        return sum;
    }

    private static double ChannelSquaredDeviation(in BatchNormShape shape, ReadOnlySpan<float> x, int ch, float mean)
    {
        int c = shape.Channels, s = shape.Spatial;
        double sq = 0;
        for (int b = 0; b < shape.Batch; b++)
            sq += Reductions.SumOfSquaredDeviations(x.Slice((b * c + ch) * s, s), mean);
        return sq;
    }

    private static (double SumDy, double SumDyXhat) ChannelGradientSums(in BatchNormShape shape, ReadOnlySpan<float> x,
        ReadOnlySpan<float> dy, int ch, float mean, float invStd)
    {
        int c = shape.Channels, s = shape.Spatial;
        double sumDy = 0, sumDyXhat = 0;
        for (int b = 0; b < shape.Batch; b++)
        {
            int o = (b * c + ch) * s;
            (double rowDy, double rowCentered) = Reductions.SumAndCenteredProduct(dy.Slice(o, s), x.Slice(o, s), mean);
            sumDy += rowDy;
            sumDyXhat += rowCentered * invStd;
        }
        return (sumDy, sumDyXhat);
    }

    private static void ChannelBackwardData(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx,
        int ch, float gamma, float mean, float invStd, float meanDy, float meanDyXhat)
    {
        int c = shape.Channels, s = shape.Spatial;
        // dx = k (dy - mean(dy) - xhat mean(dy xhat)) = k dy + (x * a + b) with the constants folded per channel.
        float k = gamma * invStd;
        float a = -k * meanDyXhat * invStd, bias = -k * meanDy + k * meanDyXhat * invStd * mean;
        for (int b = 0; b < shape.Batch; b++)
        {
            int o = (b * c + ch) * s;
            BackwardDataRow(dy.Slice(o, s), x.Slice(o, s), dx.Slice(o, s), k, a, bias);
        }
    }

    // dx := k dy + (a x + bias) in one pass over the row (two passes, through dx and back, cost twice the memory traffic).
    private static unsafe void BackwardDataRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, float k, float a, float bias)
    {
        fixed (float* pDy = dy, pX = x, pDx = dx)
        {
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: BackwardDataRow<Simd512, Vector512<float>>(pDy, pX, pDx, dy.Length, k, a, bias); break;
                case VectorWidth.Bits256: BackwardDataRow<Simd256, Vector256<float>>(pDy, pX, pDx, dy.Length, k, a, bias); break;
                case VectorWidth.Bits128: BackwardDataRow<Simd128, Vector128<float>>(pDy, pX, pDx, dy.Length, k, a, bias); break;
                default: BackwardDataRow<SimdScalar, float>(pDy, pX, pDx, dy.Length, k, a, bias); break;
            }
        }
    }

    private static unsafe void BackwardDataRow<TOps, TVector>(float* dy, float* x, float* dx, int length, float k, float a, float bias)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector vk = TOps.Broadcast(k), va = TOps.Broadcast(a), vb = TOps.Broadcast(bias);
        int i = 0;
        for (; i <= length - TOps.Count; i += TOps.Count)
            TOps.Store(TOps.MultiplyAdd(TOps.Load(dy + i), vk, TOps.MultiplyAdd(TOps.Load(x + i), va, vb)), dx + i);
        for (; i < length; i++)
            dx[i] = SimdScalar.MultiplyAdd(dy[i], k, SimdScalar.MultiplyAdd(x[i], a, bias));
    }

    private static void Affine(in BatchNormShape shape, ReadOnlySpan<float> x, Span<float> y, int ch, float scale, float shift)
    {
        int c = shape.Channels, s = shape.Spatial;
        for (int b = 0; b < shape.Batch; b++)
        {
            int o = (b * c + ch) * s;
            Elementwise.Unary<AffineOperator>(x.Slice(o, s), y.Slice(o, s), scale, shift);
        }
    }

    private static void Check(in BatchNormShape shape, int x, int perChannel)
    {
        if (x != shape.Size)
            throw new ArgumentException($"x has {x} elements; expected N*C*S = {shape.Size}.", nameof(x));
        if (perChannel < shape.Channels)
            throw new ArgumentException($"The per-channel buffers have {perChannel} elements; expected C = {shape.Channels}.");
    }
}
