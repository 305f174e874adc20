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
        => throw new NotImplementedException();

    /// <summary>y := gamma * (x - runningMean) / sqrt(runningVariance + epsilon) + beta.</summary>
    public static void ForwardInference(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon,
        Span<float> y)
        => throw new NotImplementedException();

    /// <summary>dx := gradient through the batch statistics (overwritten); dGamma (C) += and dBeta (C) += their gradients.</summary>
    public static void Backward(in BatchNormShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInvStd,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        => throw new NotImplementedException();
}
