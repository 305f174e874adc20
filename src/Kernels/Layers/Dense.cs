using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Fully connected layer: y = x W^T + b, with W stored (out, in) as in PyTorch.</summary>
public static class Dense
{
    /// <summary>y (N,Out) := x (N,In) * weights(Out,In)^T + bias (Out); bias may be empty.</summary>
    public static void Forward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
        FillBias(batch, outFeatures, bias, y);
        Gemm.Gemm.Multiply(Gemm.Transpose.No, Gemm.Transpose.Yes, batch, outFeatures, inFeatures, 1f, x, inFeatures, weights, inFeatures, 1f, y, outFeatures);
    }

    /// <summary>
    /// dx (N,In) := dy * W (overwritten; pass empty to skip), dWeights (Out,In) += dy^T x, dBias (Out) += column sums of dy (may be empty).
    /// </summary>
    public static void Backward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias)
        {
        if (!dx.IsEmpty)
            InputGradient(batch, inFeatures, outFeatures, dy, weights, dx);
        Gemm.Gemm.Multiply(Gemm.Transpose.Yes, Gemm.Transpose.No, outFeatures, inFeatures, batch, 1f, dy, outFeatures, x, inFeatures, 1f, dWeights, inFeatures);
        BiasGradient(batch, outFeatures, dy, dBias);
    }

    /// <summary>
    /// Floats <see cref="PackWeightsShare"/> writes: the weights as <see cref="ForwardPacked"/> reads them, then, when
    /// <paramref name="backward"/>, as <see cref="InputGradientPacked"/> reads them.
    /// </summary>
    public static int PackedWeightsSize(int inFeatures, int outFeatures, bool backward) =>
        PackedGemm.PackedSize(outFeatures, inFeatures) + (backward ? PackedGemm.PackedSize(inFeatures, outFeatures) : 0);

    /// <summary>
    /// Writes share <paramref name="part"/> of <paramref name="parts"/> of the packed weights (layout of
    /// <see cref="PackedWeightsSize"/>): a batch cut into sub-batches then packs its weights once, on every thread at once,
    /// instead of once per sub-batch and product. Pack and multiply under the same <see cref="KernelSettings.MaxVectorWidth"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static void PackWeightsShare(int inFeatures, int outFeatures, ReadOnlySpan<float> weights, Span<float> packed,
        bool backward, int part, int parts)
    {
        int forwardSize = PackedGemm.PackedSize(outFeatures, inFeatures);
        if (packed.Length < PackedWeightsSize(inFeatures, outFeatures, backward))
            throw new ArgumentException($"packed has {packed.Length} elements; expected at least {PackedWeightsSize(inFeatures, outFeatures, backward)}.", nameof(packed));
        PackedGemm.PackBShare(Gemm.Transpose.Yes, outFeatures, inFeatures, weights, inFeatures, packed[..forwardSize], part, parts);
        if (backward)
            PackedGemm.PackBShare(Gemm.Transpose.No, inFeatures, outFeatures, weights, inFeatures, packed[forwardSize..], part, parts);
    }

    /// <summary><see cref="Forward"/> with the weights from <see cref="PackWeightsShare"/>; the same floats for batches of more than two rows.</summary>
    public static void ForwardPacked(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> packedWeights, ReadOnlySpan<float> bias, Span<float> y)
    {
        FillBias(batch, outFeatures, bias, y);
        PackedGemm.Multiply(Gemm.Transpose.No, batch, outFeatures, inFeatures, 1f, x, inFeatures,
            packedWeights[..PackedGemm.PackedSize(outFeatures, inFeatures)], 1f, y, outFeatures);
    }

    /// <summary>dx (N,In) := dy (N,Out) * weights (Out,In).</summary>
    public static void InputGradient(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> weights, Span<float> dx) =>
        Gemm.Gemm.Multiply(Gemm.Transpose.No, Gemm.Transpose.No, batch, inFeatures, outFeatures, 1f, dy, outFeatures, weights, inFeatures, 0f, dx, inFeatures);

    /// <summary>dx (N,In) := dy * W with the weights from <see cref="PackWeightsShare"/> packed for backward.</summary>
    public static void InputGradientPacked(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> packedWeights, Span<float> dx) =>
        PackedGemm.Multiply(Gemm.Transpose.No, batch, inFeatures, outFeatures, 1f, dy, outFeatures,
            packedWeights[PackedGemm.PackedSize(outFeatures, inFeatures)..], 0f, dx, inFeatures);

    /// <summary>
    /// Share <paramref name="part"/> of <paramref name="parts"/> of dWeights (Out,In) += dy^T x over a whole batch: a run
    /// of input columns cut at multiples of 32, so every weight's sum is the same floats for any number of parts.
    /// </summary>
    public static void WeightGradientShare(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x,
        ReadOnlySpan<float> dy, Span<float> dWeights, int part, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if ((uint)part >= (uint)parts)
            throw new ArgumentOutOfRangeException(nameof(part), part, $"Expected a part in [0, {parts}).");
        // Column tiles of 32 (a multiple of every width's panel) keep each weight in the same tile; a product of at
        // most two rows runs a kernel that vectorizes along the columns, so it stays whole.
        int panels = outFeatures <= Gemm.SmallRowKernel<Primitives.SimdScalar, float>.MaxRows ? 1 : (inFeatures + 31) / 32;
        int first = panels * part / parts, end = panels * (part + 1) / parts;
        if (first == end)
            return;
        int columnStart = panels == 1 ? 0 : first * 32, columnEnd = panels == 1 ? inFeatures : Math.Min(inFeatures, end * 32);
        Gemm.Gemm.Multiply(Gemm.Transpose.Yes, Gemm.Transpose.No, outFeatures, columnEnd - columnStart, batch, 1f,
            dy, outFeatures, x[columnStart..], inFeatures, 1f, dWeights[columnStart..], inFeatures);
    }

    /// <summary>dBias (Out) += column sums of dy (N,Out); nothing when dBias is empty.</summary>
    public static void BiasGradient(int batch, int outFeatures, ReadOnlySpan<float> dy, Span<float> dBias)
    {
        if (dBias.IsEmpty)
            return;
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outFeatures; o++)
                dBias[o] += dy[n * outFeatures + o];
        }
    }

    // Each row of y starts as the bias (or zero), so the product adds to it.
    private static void FillBias(int batch, int outFeatures, ReadOnlySpan<float> bias, Span<float> y)
    {
        for (int n = 0; n < batch; n++)
        {
            if (bias.IsEmpty)
                y.Slice(n * outFeatures, outFeatures).Clear();
            else
                bias.CopyTo(y.Slice(n * outFeatures, outFeatures));
        }
    }
}
