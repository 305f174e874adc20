using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>The LSTM forecaster as an ML.NET catalog entry: <c>mlContext.Forecasting.ForecastByLstm(...)</c>.</summary>
public static class ForecastingCatalogExtensions
{
    /// <summary>Forecasts <paramref name="horizon"/> values of <paramref name="inputColumnName"/> from the last <paramref name="windowSize"/> ones.</summary>
    public static LstmForecastingEstimator ForecastByLstm(this ForecastingCatalog catalog, string outputColumnName, string inputColumnName,
        int windowSize = 24, int horizon = 1, string? lowerBoundColumnName = null, string? upperBoundColumnName = null,
        float confidenceLevel = 0.95f, Action<TrainingProgress>? progress = null)
        => ForecastByLstm(catalog, new LstmForecastingOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            WindowSize = windowSize,
            Horizon = horizon,
            LowerBoundColumnName = lowerBoundColumnName,
            UpperBoundColumnName = upperBoundColumnName,
            ConfidenceLevel = confidenceLevel,
        }, progress);

    /// <summary>An LSTM forecaster configured by <paramref name="options"/>.</summary>
    public static LstmForecastingEstimator ForecastByLstm(this ForecastingCatalog catalog, LstmForecastingOptions options,
        Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), options, progress);
}
