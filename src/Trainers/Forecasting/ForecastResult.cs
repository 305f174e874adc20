namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>The next values of a series with their confidence bounds.</summary>
/// <param name="Forecast">The next Horizon values.</param>
/// <param name="LowerBound">Lower confidence bounds, one per forecast value.</param>
/// <param name="UpperBound">Upper confidence bounds, one per forecast value.</param>
public sealed record ForecastResult(float[] Forecast, float[] LowerBound, float[] UpperBound);
