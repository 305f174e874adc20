namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Fully connected layer: y = x W^T + b, with W stored (out, in) as in PyTorch.</summary>
public static class Dense
{
    /// <summary>y (N,Out) := x (N,In) * weights(Out,In)^T + bias (Out); bias may be empty.</summary>
    public static void Forward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
        for (int n = 0; n < batch; n++)
        {
            if (bias.IsEmpty)
                y.Slice(n * outFeatures, outFeatures).Clear();
            else
                bias.CopyTo(y.Slice(n * outFeatures, outFeatures));
        }
        Gemm.Gemm.Multiply(Gemm.Transpose.No, Gemm.Transpose.Yes, batch, outFeatures, inFeatures, 1f, x, inFeatures, weights, inFeatures, 1f, y, outFeatures);
    }

    /// <summary>
    /// dx (N,In) := dy * W (overwritten; pass empty to skip), dWeights (Out,In) += dy^T x, dBias (Out) += column sums of dy (may be empty).
    /// </summary>
    public static void Backward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias)
        {
        if (!dx.IsEmpty)
            Gemm.Gemm.Multiply(Gemm.Transpose.No, Gemm.Transpose.No, batch, inFeatures, outFeatures, 1f, dy, outFeatures, weights, inFeatures, 0f, dx, inFeatures);
        Gemm.Gemm.Multiply(Gemm.Transpose.Yes, Gemm.Transpose.No, outFeatures, inFeatures, batch, 1f, dy, outFeatures, x, inFeatures, 1f, dWeights, inFeatures);
        if (!dBias.IsEmpty)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int o = 0; o < outFeatures; o++)
                    dBias[o] += dy[n * outFeatures + o];
            }
        }
    }
}
