namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>The next values of a series with their confidence bounds.</summary>
/// <param name="Forecast">The next Horizon values.</param>
/// <param name="LowerBound">Lower confidence bounds, one per forecast value.</param>
/// <param name="UpperBound">Upper confidence bounds, one per forecast value.</param>
public sealed record ForecastResult(float[] Forecast, float[] LowerBound, float[] UpperBound)
{
    /// <summary>The values with their bounds, e.g. <c>forecast [412.31 (411.80..412.82), 412.95 (412.10..413.80)]</c>.</summary>
    public override string ToString()
    {
        var steps = new string[Forecast.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            string bounds = i < LowerBound.Length && i < UpperBound.Length ? $" ({LowerBound[i]:G6}..{UpperBound[i]:G6})" : "";
            steps[i] = $"{Forecast[i]:G6}{bounds}";
        }
        return $"forecast [{string.Join(", ", steps)}]";
    }
}
