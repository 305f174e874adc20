namespace MLNet.Extensions.Kernels.Losses;

/// <summary>Softmax fused with cross-entropy, numerically stable (max subtracted).</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>probabilities (N,C) := softmax(logits (N,C)) row by row. May alias logits.</summary>
    public static void Softmax(int batch, int classes, ReadOnlySpan<float> logits, Span<float> probabilities)
        => throw new NotImplementedException();

    /// <summary>
    /// probabilities := softmax(logits); returns sum over n of weight[n] * -log p[n, label[n]].
    /// <paramref name="sampleWeights"/> (N) may be empty (all 1). Labels must lie in [0, C).
    /// </summary>
    public static float Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> sampleWeights, Span<float> probabilities)
        => throw new NotImplementedException();

    /// <summary>dLogits[n,c] := scale * weight[n] * (p[n,c] - [c == label[n]]). Overwrites dLogits.</summary>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dLogits)
        => throw new NotImplementedException();
}
