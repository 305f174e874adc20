namespace MLNet.Extensions.Kernels.Losses;

/// <summary>Squared error between predictions and targets (the caller divides by the count it wants).</summary>
public static class MeanSquaredError
{
    /// <summary>Returns sum over i of weight[i / outputs] * (p[i] - t[i])^2, where predictions are (N, outputs); weights (N) may be empty.</summary>
    public static float Forward(int outputs, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights)
        {
        double loss = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = predictions[i] - targets[i];
            loss += (sampleWeights.IsEmpty ? 1f : sampleWeights[i / outputs]) * d * d;
        }
        return (float)loss;
    }

    /// <summary>dPredictions[i] := scale * weight[i / outputs] * 2 (p[i] - t[i]). Overwrites dPredictions.</summary>
    public static void Backward(int outputs, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dPredictions)
        {
        for (int i = 0; i < predictions.Length; i++)
            dPredictions[i] = scale * (sampleWeights.IsEmpty ? 1f : sampleWeights[i / outputs]) * 2f * (predictions[i] - targets[i]);
    }
}
