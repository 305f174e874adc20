using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Batch normalization with learned scale (gamma) and shift (beta) and running statistics for inference.</summary>
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
        int n = shape.Batch, c = shape.Channels, s = shape.Spatial;
        double count = (double)n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0, sq = 0;
            for (int b = 0; b < n; b++)
                sum += Reductions.Sum(x.Slice((b * c + ch) * s, s));
            double mean = sum / count;
            for (int b = 0; b < n; b++)
                sq += Reductions.SumOfSquaredDeviations(x.Slice((b * c + ch) * s, s), (float)mean);
            double variance = sq / count;
            float invStd = (float)(1.0 / Math.Sqrt(variance + epsilon));
            savedMean[ch] = (float)mean;
            savedInvStd[ch] = invStd;
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * (float)mean;
            runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * (float)(count > 1 ? sq / (count - 1) : variance);
            float scale = gamma[ch] * invStd, shift = beta[ch] - (float)mean * scale;
            for (int b = 0; b < n; b++)
            {
                int o = (b * c + ch) * s;
                Elementwise.Unary<AffineOperator>(x.Slice(o, s), y.Slice(o, s), scale, shift);
            }
        }
    }

    /// <summary>y := gamma * (x - runningMean) / sqrt(runningVariance + epsilon) + beta.</summary>
    public static void ForwardInference(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon,
        Span<float> y)
        {
        int n = shape.Batch, c = shape.Channels, s = shape.Spatial;
        for (int ch = 0; ch < c; ch++)
        {
            float invStd = 1f / MathF.Sqrt(runningVariance[ch] + epsilon);
            float scale = gamma[ch] * invStd, shift = beta[ch] - runningMean[ch] * scale;
            for (int b = 0; b < n; b++)
            {
                int o = (b * c + ch) * s;
                Elementwise.Unary<AffineOperator>(x.Slice(o, s), y.Slice(o, s), scale, shift);
            }
        }
    }

    /// <summary>dx := gradient through the batch statistics (overwritten); dGamma (C) += and dBeta (C) += their gradients.</summary>
    public static void Backward(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInvStd,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        {
        int n = shape.Batch, c = shape.Channels, s = shape.Spatial;
        double count = (double)n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double sumDy = 0, sumDyXhat = 0;
            float mean = savedMean[ch], invStd = savedInvStd[ch];
            for (int b = 0; b < n; b++)
            {
                int o = (b * c + ch) * s;
                sumDy += Reductions.Sum(dy.Slice(o, s));
                sumDyXhat += Reductions.SumOfProductsCentered(dy.Slice(o, s), x.Slice(o, s), mean) * invStd;
            }
            dGamma[ch] += (float)sumDyXhat;
            dBeta[ch] += (float)sumDy;
            // dx = k (dy - mean(dy) - xhat mean(dy xhat)) = k dy + (x * a + b) with the constants folded per channel.
            float k = gamma[ch] * invStd;
            float meanDy = (float)(sumDy / count), meanDyXhat = (float)(sumDyXhat / count);
            float a = -k * meanDyXhat * invStd, bias = -k * meanDy + k * meanDyXhat * invStd * mean;
            for (int b = 0; b < n; b++)
            {
                int o = (b * c + ch) * s;
                Elementwise.Binary<ScaledSumOperator>(dy.Slice(o, s), x.Slice(o, s), dx.Slice(o, s), k, a);
                Elementwise.Unary<AffineOperator>(dx.Slice(o, s), dx.Slice(o, s), 1f, bias);
            }
        }
    }
}
