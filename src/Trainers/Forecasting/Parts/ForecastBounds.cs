namespace MLNet.Extensions.Trainers.Forecasting.Parts;

/// <summary>
/// The forecaster's bounds: at each horizon step k the interval forecast ± <see cref="HalfWidths"/>[k], meant to hold
/// the value with probability <see cref="Level"/>.
/// </summary>
internal sealed class ForecastBounds
{
    public ForecastBounds(float level, float[] halfWidths)
    {
        Level = level;
        HalfWidths = halfWidths;
    }

    /// <summary>Probability mass the bounds aim to hold.</summary>
    public float Level { get; }

    /// <summary>Half-width of the interval at each horizon step, in the series' units.</summary>
    public float[] HalfWidths { get; }

    /// <summary>Bounds from per-step residual spreads assumed normal (how older forecasters, and those trained with neither a held-out tail nor calibration folds, make them).</summary>
    public static ForecastBounds FromSpread(float level, ReadOnlySpan<float> spread)
    {
        float z = NormalQuantile(0.5 + level / 2);
        var halfWidths = new float[spread.Length];
        for (int k = 0; k < spread.Length; k++)
            halfWidths[k] = z * spread[k];
        return new ForecastBounds(level, halfWidths);
    }

    /// <summary>
    /// Split-conformal bounds: at each horizon step the ⌈(n + 1)·level⌉-th smallest of the n absolute errors on windows
    /// the network was not trained on (the largest when n is too small for the level), so that a new error falls inside
    /// with probability at least <paramref name="level"/> when the errors are exchangeable.
    /// </summary>
    public static ForecastBounds Calibrate(float level, IReadOnlyList<float[]> errors)
    {
        var halfWidths = new float[errors.Count];
        for (int k = 0; k < errors.Count; k++)
        {
            float[] absolute = errors[k].Select(MathF.Abs).ToArray();
            if (absolute.Length == 0)
                throw new ArgumentException($"Horizon step {k} has no held-out errors to calibrate on.", nameof(errors));
            Array.Sort(absolute);
            int rank = (int)Math.Min(Math.Ceiling((absolute.Length + 1) * (double)level), absolute.Length);
            halfWidths[k] = absolute[rank - 1];
        }
        return new ForecastBounds(level, halfWidths);
    }

    /// <summary>Writes the bounds around <paramref name="forecast"/> into the spans that are not empty.</summary>
    public void Apply(ReadOnlySpan<float> forecast, Span<float> lower, Span<float> upper)
    {
        for (int k = 0; k < HalfWidths.Length; k++)
        {
            if (!lower.IsEmpty)
                lower[k] = forecast[k] - HalfWidths[k];
            if (!upper.IsEmpty)
                upper[k] = forecast[k] + HalfWidths[k];
        }
    }

    /// <summary>Inverse standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    private static float NormalQuantile(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        double q, r;
        if (p < 0.02425)
        {
            q = Math.Sqrt(-2 * Math.Log(p));
            return (float)((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1));
        }
        if (p > 1 - 0.02425)
        {
            q = Math.Sqrt(-2 * Math.Log(1 - p));
            return (float)-((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1));
        }
        q = p - 0.5;
        r = q * q;
        return (float)((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1));
    }
}
