namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// Per-feature mean and spread of values arriving in whole steps of <c>Features</c> values, accumulated in double; shared
/// by <see cref="StandardizeSequenceEstimator"/> and the forecaster so both standardize with the same statistics.
/// </summary>
internal sealed class SeriesStatistics
{
    /// <summary>Below this variance a feature counts as constant: it is only centred, as dividing by its spread would blow it up.</summary>
    public const double ConstantVariance = 1e-24;

    private readonly double[] _sum;
    private readonly double[] _sumOfSquares;

    /// <summary>Statistics of <paramref name="features"/> interleaved features.</summary>
    public SeriesStatistics(int features)
    {
        if (features < 1)
            throw new ArgumentOutOfRangeException(nameof(features), features, "There must be at least one feature per step.");
        _sum = new double[features];
        _sumOfSquares = new double[features];
    }

    /// <summary>Values per step.</summary>
    public int Features => _sum.Length;

    /// <summary>Steps seen.</summary>
    public long Count { get; private set; }

    /// <summary>Adds whole steps (value i belongs to feature i mod Features); the caller checks that they are finite.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        int f = _sum.Length;
        if (values.Length % f != 0)
            throw new ArgumentException($"{values.Length} values are not whole steps of {f} features.", nameof(values));
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            _sum[i % f] += v;
            _sumOfSquares[i % f] += (double)v * v;
        }
        Count += values.Length / f;
    }

    /// <summary>Mean of <paramref name="feature"/>.</summary>
    public double Mean(int feature) => _sum[feature] / Count;

    /// <summary>Population variance of <paramref name="feature"/> (never negative).</summary>
    public double Variance(int feature)
    {
        double m = Mean(feature);
        return Math.Max(0, _sumOfSquares[feature] / Count - m * m);
    }

    /// <summary>Whether <paramref name="feature"/> is constant (variance at most <see cref="ConstantVariance"/>).</summary>
    public bool IsConstant(int feature) => Variance(feature) <= ConstantVariance;
}
