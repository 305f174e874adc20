using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>
/// The forecaster's covariates: the columns read beside the target at each step (<see cref="Names"/>, in the order of
/// <see cref="LstmForecastingOptions.CovariateColumnNames"/>) and the mean and scale (standard deviation, 1 when
/// constant) that map each to the network's units, learned in Fit with the statistics <see cref="StandardizeSequenceEstimator"/> uses.
/// Covariates are standardized but never differenced: they are inputs observed at the step, not the modelled series.
/// </summary>
internal sealed class ForecastCovariates
{
    public ForecastCovariates(string[] names, float[] means, float[] scales)
    {
        Names = names;
        Means = means;
        Scales = scales;
    }

    /// <summary>No covariates: a univariate forecaster.</summary>
    public static ForecastCovariates None { get; } = new([], [], []);

    /// <summary>The covariate columns, in input order.</summary>
    public string[] Names { get; }

    /// <summary>Mean of each covariate over the training rows.</summary>
    public float[] Means { get; }

    /// <summary>Standard deviation of each covariate over the training rows (1 when constant).</summary>
    public float[] Scales { get; }

    /// <summary>Covariates per step.</summary>
    public int Count => Names.Length;

    /// <summary>Learns each covariate's statistics from <paramref name="values"/> (rows in time order, <paramref name="names"/>.Length values each).</summary>
    public static ForecastCovariates Fit(string[] names, ReadOnlySpan<float> values)
    {
        if (names.Length == 0)
            return None;
        var statistics = new SeriesStatistics(names.Length);
        statistics.Add(values);
        var means = new float[names.Length];
        var scales = new float[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            means[c] = (float)statistics.Mean(c);
            scales[c] = statistics.IsConstant(c) ? 1f : (float)Math.Sqrt(statistics.Variance(c));
        }
        return new ForecastCovariates(names, means, scales);
    }

    /// <summary>
    /// Writes, for each step of <paramref name="standardizedTarget"/>, its value then the standardized
    /// covariates of that step into <paramref name="input"/> (the network's interleaved input).
    /// </summary>
    public void Interleave(ReadOnlySpan<float> standardizedTarget, ReadOnlySpan<float> covariates, Span<float> input)
    {
        int features = Count + 1;
        for (int step = 0; step < standardizedTarget.Length; step++)
        {
            input[step * features] = standardizedTarget[step];
            for (int c = 0; c < Count; c++)
                input[step * features + 1 + c] = (covariates[step * Count + c] - Means[c]) / Scales[c];
        }
    }
}
