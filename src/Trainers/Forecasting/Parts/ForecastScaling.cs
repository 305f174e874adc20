using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>
/// The forecaster's standardization step: the modelled series' <see cref="Mean"/> and <see cref="Scale"/> (standard
/// deviation, 1 when the series was constant), learned in Fit with the statistics <see cref="StandardizeSequenceEstimator"/> uses.
/// </summary>
internal sealed record ForecastScaling(float Mean, float Scale)
{
    /// <summary>Learns the statistics of <paramref name="modelled"/> and returns it standardized, as training reads it.</summary>
    public static ForecastScaling Fit(ReadOnlySpan<float> modelled, out float[] standardized)
    {
        var statistics = new SeriesStatistics(1);
        statistics.Add(modelled);
        double mean = statistics.Mean(0);
        float scale = statistics.IsConstant(0) ? 1f : (float)Math.Sqrt(statistics.Variance(0));
        // Training windows are standardized with the mean in double; forecasts with the saved float mean.
        standardized = new float[modelled.Length];
        for (int i = 0; i < modelled.Length; i++)
            standardized[i] = (float)((modelled[i] - mean) / scale);
        return new ForecastScaling((float)mean, scale);
    }

    /// <summary>Maps modelled values to the network's units, in place.</summary>
    public void Standardize(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (values[i] - Mean) / Scale;
    }

    /// <summary>Maps the network's outputs back to modelled values, in place.</summary>
    public void Restore(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = values[i] * Scale + Mean;
    }
}
