namespace MLNet.Extensions.Kernels.Losses;

/// <summary>Sigmoid fused with binary cross-entropy, computed from logits for stability.</summary>
public static class SigmoidBinaryCrossEntropy
{
    /// <summary>
    /// probabilities[n] := sigmoid(logits[n]); returns sum over n of weight[n] * -(t log p + (1-t) log(1-p)), targets in [0,1].
    /// <paramref name="sampleWeights"/> may be empty (all 1).
    /// </summary>
    public static float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights, Span<float> probabilities)
        => throw new NotImplementedException();

    /// <summary>dLogits[n] := scale * weight[n] * (p[n] - t[n]). Overwrites dLogits.</summary>
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dLogits)
        => throw new NotImplementedException();
}
