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
        {
        double loss = 0;
        for (int n = 0; n < logits.Length; n++)
        {
            float z = logits[n], t = targets[n];
            probabilities[n] = 1f / (1f + MathF.Exp(-z));
            // log(1 + exp(-|z|)) + max(z, 0) - t z is the stable form of the cross-entropy.
            double l = Math.Log(1 + Math.Exp(-Math.Abs(z))) + Math.Max(z, 0) - t * z;
            loss += (sampleWeights.IsEmpty ? 1f : sampleWeights[n]) * l;
        }
        return (float)loss;
    }

    /// <summary>dLogits[n] := scale * weight[n] * (p[n] - t[n]). Overwrites dLogits.</summary>
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dLogits)
        {
        for (int n = 0; n < probabilities.Length; n++)
            dLogits[n] = scale * (sampleWeights.IsEmpty ? 1f : sampleWeights[n]) * (probabilities[n] - targets[n]);
    }
}
