using Microsoft.ML.SearchSpace;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// Options of the LSTM forecaster: which series to learn, how far to look back and ahead, how to remove the trend,
/// the network and the confidence bounds, plus the shared training options.
/// </summary>
public sealed record LstmForecastingOptions : NetworkTrainingOptions
{
    /// <summary>
    /// Sets the forecaster defaults that differ from the classifiers' (README "Defaults" lists them side by side, with the
    /// measurements behind them on the CO2 sample, seeds 1 to 10, and on synthetic noisy series):
    /// <list type="bullet">
    /// <item>gradient clipping on (recurrent) and batches of 32, because one series gives few windows (741 months make
    /// about 22 batches);</item>
    /// <item>300 epochs with <see cref="NetworkTrainingOptions.ValidationFraction"/> 0.1: a smooth, low-noise series keeps
    /// improving for hundreds of epochs (monthly CO2: 0.47 ppm test RMSE after 60, where a linear model on the same lags
    /// gets 0.43), while a noisy one overfits long before (a synthetic AR(1) plus seasonal series: 1.37 times the noise
    /// after 300 epochs without validation, 1.01 with it). The validation windows are the tail
    /// <see cref="CalibrationFraction"/> holds out anyway, so they cost no training data, and the weights of the epoch
    /// with the lowest loss on them are kept (<see cref="NetworkTrainingOptions.RestoreBestWeights"/>): the epoch count is
    /// a ceiling rather than a guess;</item>
    /// <item>a cosine schedule from 3e-3 (Adam's usual 1e-3 is a constant rate; an annealed one starts higher): the rate
    /// falls to 0 at the end, so the last epochs settle instead of bouncing with the noise of a few hundred windows
    /// (CO2 over seeds 1 to 10: 0.385-0.435 ppm at a constant 1e-3, 0.382-0.409 with the cosine).</item>
    /// </list>
    /// </summary>
    public LstmForecastingOptions()
    {
        GradientClipNorm = 5f;
        BatchSize = 32;
        Epochs = 300;
        ValidationFraction = 0.1f;
        Schedule = LearningRateSchedule.Cosine;
        LearningRate = 3e-3f;
    }

    /// <summary>The series column: one Single value per row, rows in time order.</summary>
    public string InputColumnName { get; init; } = "Value";

    /// <summary>
    /// Columns observed at each step beside the series (other measurements, calendar flags), each one Single value per row
    /// in the same rows. At every step of the window the network reads the modelled target, then these in this order,
    /// each standardized with a mean and scale learned in Fit (never differenced); it still forecasts only the series.
    /// Only covariates up to the last row are read (past covariates), so Horizon steps ahead need no future values.
    /// Empty (the default): a univariate forecaster.
    /// </summary>
    public string[] CovariateColumnNames { get; init; } = [];

    /// <summary>Column that receives the forecast vector of <see cref="Horizon"/> values.</summary>
    public string OutputColumnName { get; init; } = "Forecast";

    /// <summary>Column for the lower confidence bounds, or null for none.</summary>
    public string? LowerBoundColumnName { get; init; }

    /// <summary>Column for the upper confidence bounds, or null for none.</summary>
    public string? UpperBoundColumnName { get; init; }

    /// <summary>Past values the network reads for each forecast.</summary>
    [Range(6, 48, 24)]
    public int WindowSize { get; init; } = 24;

    /// <summary>Steps forecast at once.</summary>
    public int Horizon { get; init; } = 1;

    /// <summary>
    /// 1 models first differences (the trend becomes a level the network can learn), 0 models the values themselves.
    /// Either way the modelled series is standardized with statistics learned in Fit.
    /// </summary>
    [Choice(new object[] { 0, 1 }, 1)]
    public int DifferencingOrder { get; init; } = 1;

    /// <summary>Hidden units of the LSTM.</summary>
    [Range(8, 128, 32, true)]
    public int HiddenSize { get; init; } = 32;

    /// <summary>Stacked LSTM layers.</summary>
    [Range(1, 2, 1)]
    public int LayerCount { get; init; } = 1;

    /// <summary>
    /// Many-to-many training: the network predicts the next Horizon values after every step of the window, not only after
    /// the last, which gives each window WindowSize targets instead of one. Forecasts still come from the last step.
    /// </summary>
    public bool TrainOnEveryStep { get; init; }

    /// <summary>
    /// Probability mass the bounds hold: they are calibrated (conformal, per horizon step) on out-of-fold errors of
    /// <see cref="CalibrationFolds"/> networks and the held-out tail of <see cref="CalibrationFraction"/>; with neither,
    /// they come from the training residuals assumed normal (too narrow).
    /// </summary>
    public float ConfidenceLevel { get; init; } = 0.95f;

    /// <summary>
    /// Share of the windows at the end of the training series held out from the gradient steps to calibrate the bounds.
    /// The tail is the larger of this and <see cref="NetworkTrainingOptions.ValidationFraction"/>, and is also the
    /// validation set when that is set (by default both are 0.1: one tail of the most recent windows, which a short series
    /// cannot spare twice). Its 10% (57 CO2 windows) alone make the 95% quantile uncertain by a few points, which is why
    /// <see cref="CalibrationFolds"/> adds out-of-fold errors by default. A tail of no windows (0 with no validation, or a
    /// series too short for one) and no folds trains on every window and takes the bounds from the training residuals.
    /// </summary>
    public float CalibrationFraction { get; init; } = 0.1f;

    /// <summary>
    /// Cross-conformal calibration: besides the forecaster, this many networks are trained (with the same options), each
    /// without one contiguous block of the training windows and the windows that share a value with it; their errors on
    /// their blocks, with the forecaster's on the held-out tail, calibrate the bounds (the ⌈(n + 1)·level⌉-th smallest
    /// absolute error per horizon step, over about ten times as many errors as the tail alone gives). The forecaster itself
    /// is unchanged, and training takes several times as long (CO2 sample: about 8 s with 5 folds, 2.1 s without). 0
    /// calibrates on the tail alone (split conformal). A series too short for every fold to keep half of the training windows falls back to the tail
    /// (Fit logs it). Default 5: on the CO2 sample, seeds 1 to 10, the 95% bounds hold 90.6-96.6% of the test months
    /// (median 94.6%, RMS distance from 95% 2.1 points; 3 folds: median 96.3%, 1.9; 10 folds: median 94.9%, 1.8) where
    /// the tail alone gives 89.9-98.0% (median 96.6%, 2.7 points); 149 test months alone make coverage uncertain by 1.8 points.
    /// </summary>
    public int CalibrationFolds { get; init; } = 5;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(!string.IsNullOrWhiteSpace(InputColumnName), nameof(InputColumnName), InputColumnName, "a column name");
        Require(!string.IsNullOrWhiteSpace(OutputColumnName), nameof(OutputColumnName), OutputColumnName, "a column name");
        string?[] outputs = [OutputColumnName, LowerBoundColumnName, UpperBoundColumnName];
        Require(outputs.OfType<string>().Distinct().Count() == outputs.OfType<string>().Count(), nameof(LowerBoundColumnName),
            $"'{LowerBoundColumnName}' (upper '{UpperBoundColumnName}', output '{OutputColumnName}')", "a name of its own, distinct from the other output columns");
        Require(CovariateColumnNames is not null, nameof(CovariateColumnNames), "null", "an array of column names (empty for none)");
        string[] covariates = CovariateColumnNames!;
        Require(covariates.All(n => !string.IsNullOrWhiteSpace(n)), nameof(CovariateColumnNames),
            $"[{string.Join(", ", covariates.Select(n => $"'{n}'"))}]", "column names, none empty");
        string? repeated = covariates.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
        Require(repeated is null, nameof(CovariateColumnNames), $"'{repeated}' (named twice)", "each covariate column once");
        Require(!covariates.Contains(InputColumnName), nameof(CovariateColumnNames), $"'{InputColumnName}'",
            "columns other than the series column InputColumnName (the target is always read)");
        string? output = covariates.FirstOrDefault(n => outputs.Contains(n));
        Require(output is null, nameof(CovariateColumnNames), $"'{output}'",
            $"input columns, not an output column (forecast '{OutputColumnName}', bounds '{LowerBoundColumnName}', '{UpperBoundColumnName}')");
        Require(WindowSize >= 1, nameof(WindowSize), WindowSize, "at least 1");
        Require(Horizon >= 1, nameof(Horizon), Horizon, "at least 1");
        Require(DifferencingOrder is 0 or 1, nameof(DifferencingOrder), DifferencingOrder, "0 or 1");
        Require(HiddenSize is >= 1 and <= 16_384, nameof(HiddenSize), HiddenSize, "1 to 16384");
        Require(LayerCount >= 1, nameof(LayerCount), LayerCount, "at least 1");
        Require(float.IsFinite(ConfidenceLevel) && ConfidenceLevel > 0 && ConfidenceLevel < 1, nameof(ConfidenceLevel), ConfidenceLevel, "in (0, 1)");
        Require(float.IsFinite(CalibrationFraction) && CalibrationFraction >= 0 && CalibrationFraction < 1,
            nameof(CalibrationFraction), CalibrationFraction, "in [0, 1)");
        Require(CalibrationFolds == 0 || CalibrationFolds >= 2, nameof(CalibrationFolds), CalibrationFolds,
            "0 (calibrate on the held-out tail alone) or at least 2 folds");
    }

    /// <summary>Fewest values Fit needs: one window plus the horizon, after differencing.</summary>
    public int MinimumSeriesLength => WindowSize + Horizon + DifferencingOrder;
}
