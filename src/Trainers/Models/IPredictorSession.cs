namespace MLNet.Extensions.Trainers.Models;

/// <summary>Scores one sample at a time with buffers of its own.</summary>
internal interface IPredictorSession
{
    /// <summary>outputs := raw network outputs for <paramref name="features"/>.</summary>
    void Predict(ReadOnlySpan<float> features, Span<float> outputs);

    /// <summary>features := the representation before the output layer.</summary>
    void Featurize(ReadOnlySpan<float> input, Span<float> features);
}
