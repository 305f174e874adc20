using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Inverted dropout: kept units are scaled by 1/(1-rate) so inference needs no change.</summary>
public static class Dropout
{
    /// <summary>mask[i] := 0 with probability rate, else 1/(1-rate); y[i] := x[i] * mask[i]. y may alias x.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, ref KernelRandom random)
        {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        if (y.Length != x.Length || mask.Length != x.Length)
            throw new ArgumentException($"x, y and mask must have the same length ({x.Length}, {y.Length}, {mask.Length}).");
        float keep = 1f / (1f - rate);
        for (int i = 0; i < x.Length; i++)
        {
            mask[i] = rate > 0 && random.NextSingle() < rate ? 0f : keep;
            y[i] = x[i] * mask[i];
        }
    }

    /// <summary>dx[i] := dy[i] * mask[i]. Overwrites dx; may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
        {
        Elementwise.Binary<MultiplyOperator>(dy, mask, dx, 0f, 0f);
    }
}
