namespace MLNet.Extensions.Kernels.Losses;

/// <summary>Squared error between predictions and targets (the caller divides by the count it wants).</summary>
public static class MeanSquaredError
{
    /// <summary>Returns sum over i of weight[i / outputs] * (p[i] - t[i])^2, where predictions are (N, outputs); weights (N) may be empty.</summary>
    public static float Forward(int outputs, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights)
        => throw new NotImplementedException();

    /// <summary>dPredictions[i] := scale * weight[i / outputs] * 2 (p[i] - t[i]). Overwrites dPredictions.</summary>
    public static void Backward(int outputs, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> sampleWeights, float scale, Span<float> dPredictions)
        => throw new NotImplementedException();
}
