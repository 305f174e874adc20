using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Inverted dropout: kept units are scaled by 1/(1-rate) so inference needs no change.</summary>
public static class Dropout
{
    /// <summary>mask[i] := 0 with probability rate, else 1/(1-rate); y[i] := x[i] * mask[i]. y may alias x.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, ref KernelRandom random)
        => throw new NotImplementedException();

    /// <summary>dx[i] := dy[i] * mask[i]. Overwrites dx; may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
        => throw new NotImplementedException();
}
