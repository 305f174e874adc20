namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Fully connected layer: y = x W^T + b, with W stored (out, in) as in PyTorch.</summary>
public static class Dense
{
    /// <summary>y (N,Out) := x (N,In) * weights(Out,In)^T + bias (Out); bias may be empty.</summary>
    public static void Forward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        => throw new NotImplementedException();

    /// <summary>
    /// dx (N,In) := dy * W (overwritten; pass empty to skip), dWeights (Out,In) += dy^T x, dBias (Out) += column sums of dy (may be empty).
    /// </summary>
    public static void Backward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias)
        => throw new NotImplementedException();
}
