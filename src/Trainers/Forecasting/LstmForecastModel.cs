using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Forecasting.Parts;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// A trained forecaster, made of the steps a forecast runs through: <see cref="Windowing"/> (differencing and the window),
/// <see cref="Scaling"/> (standardization learned in Fit), <see cref="Covariates"/> (the standardized columns read beside
/// the target at each step, if any), <see cref="Predictor"/> (the LSTM that maps the last window of the modelled series and
/// covariates to the next <c>Horizon</c> values, the predictor every network model uses) and <see cref="Bounds"/>.
/// Immutable apart from the history a loader attaches.
/// </summary>
internal sealed class LstmForecastModel
{
    public LstmForecastModel(ForecastWindowing windowing, ForecastScaling scaling, ForecastCovariates covariates, NetworkPredictor predictor,
        ForecastBounds bounds)
    {
        Windowing = windowing;
        Scaling = scaling;
        Covariates = covariates;
        Predictor = predictor;
        Bounds = bounds;
    }

    /// <summary>Differencing, window and horizon.</summary>
    public ForecastWindowing Windowing { get; }

    /// <summary>Mean and scale of the modelled series.</summary>
    public ForecastScaling Scaling { get; }

    /// <summary>Covariate columns and their statistics (none for a univariate forecaster).</summary>
    public ForecastCovariates Covariates { get; }

    /// <summary>The network: WindowSize steps of <see cref="FeaturesPerStep"/> features to Horizon outputs (per step when trained on every step).</summary>
    public NetworkPredictor Predictor { get; }

    /// <summary>Half-widths of the bounds per horizon step.</summary>
    public ForecastBounds Bounds { get; }

    /// <summary>Past values read per forecast.</summary>
    public int WindowSize => Windowing.WindowSize;

    /// <summary>Inputs per step: the modelled target, then each covariate.</summary>
    public int FeaturesPerStep => 1 + Covariates.Count;

    /// <summary>Values forecast at once.</summary>
    public int Horizon => Windowing.Horizon;

    /// <summary>Raw values the model needs before it can forecast: the window plus the differencing lag.</summary>
    public int HistoryLength => Windowing.HistoryLength;

    /// <summary>Whether a non-finite value in the scored series gives NaN forecasts instead of an error.</summary>
    public bool NonFiniteInputsGiveNaN => Predictor.NonFiniteInputsGiveNaN;

    /// <summary>Per-epoch training history (kept by the predictor, as for every network model).</summary>
    public IReadOnlyList<TrainingProgress> History
    {
        get => Predictor.History;
        set => Predictor.History = value;
    }

    /// <summary>
    /// Trains on <paramref name="series"/> (time order) and, when the options name covariates, <paramref name="covariates"/>
    /// (the same rows, <c>CovariateColumnNames.Length</c> values each); throws naming the problem when they are too short or not finite.
    /// </summary>
    public static LstmForecastModel Train(ReadOnlySpan<float> series, ReadOnlySpan<float> covariates, LstmForecastingOptions options,
        Action<string> log, Action<TrainingProgress>? progress, Action? checkCancelled = null)
    {
        options.Validate();
        // Training and the residuals measured after it run on this call's thread count, not the process default.
        using KernelThreadScope threads = TrainingLoop.UseThreads(options);
        if (series.Length < options.MinimumSeriesLength + 1)
            throw new ArgumentException(
                $"Column '{options.InputColumnName}' has {series.Length} values; WindowSize {options.WindowSize} + Horizon {options.Horizon} " +
                $"+ differencing {options.DifferencingOrder} needs at least {options.MinimumSeriesLength + 1}.", nameof(series));
        for (int i = 0; i < series.Length; i++)
        {
            if (!float.IsFinite(series[i]))
                throw new ArgumentException($"Column '{options.InputColumnName}' has a non-finite value ({series[i]}) at row {i}.", nameof(series));
        }
        string[] names = options.CovariateColumnNames;
        int c = names.Length, f = 1 + c;
        if (covariates.Length != series.Length * c)
            throw new ArgumentException(
                $"The covariates hold {covariates.Length} values; {series.Length} rows of {c} covariate(s) ({string.Join(", ", names)}) need {series.Length * c}.",
                nameof(covariates));
        for (int i = 0; i < covariates.Length; i++)
        {
            if (!float.IsFinite(covariates[i]))
                throw new ArgumentException(
                    $"Covariate column '{names[i % c]}' has a non-finite value ({covariates[i]}) at row {i / c}; the forecaster needs finite covariates " +
                    "(replace missing values first).", nameof(covariates));
        }

        var windowing = new ForecastWindowing(options.WindowSize, options.Horizon, options.DifferencingOrder);
        ForecastScaling scaling = ForecastScaling.Fit(windowing.Modelled(series), out float[] standardized);
        ForecastCovariates covariateScaling = ForecastCovariates.Fit(names, covariates);
        // The network reads, at modelled step j (raw row j + d), the standardized target then that row's covariates.
        float[] inputs = standardized;
        if (c > 0)
        {
            inputs = new float[standardized.Length * f];
            covariateScaling.Interleave(standardized, covariates[(options.DifferencingOrder * c)..], inputs);
        }

        int t = options.WindowSize, h = options.Horizon;
        int windows = standardized.Length - t - h + 1;
        // One held-out tail at the end of the series: it calibrates the bounds and, when ValidationFraction is set, validates.
        int heldOut = (int)(windows * Math.Max(options.ValidationFraction, options.CalibrationFraction));
        int validation = options.ValidationFraction > 0 ? heldOut : 0;
        int training = windows - heldOut;
        if (training < 1)
            throw new ArgumentException(
                $"Column '{options.InputColumnName}' leaves no training windows after holding out ValidationFraction {options.ValidationFraction} " +
                $"and CalibrationFraction {options.CalibrationFraction} of its {windows} windows.", nameof(series));

        TrainingMemory.Check(new InputLayout(TensorShape.Sequence(t, f)), Stack(h, options.HiddenSize, options.LayerCount, options.TrainOnEveryStep),
            options, nameof(LstmForecastingOptions.HiddenSize));
        // The estimator resolves an unset seed from its MLContext; a direct call without one keeps seed 0.
        ulong seed = (ulong)(options.Seed ?? 0);
        int[] validationStarts = Enumerable.Range(training, validation).ToArray();
        // Windows sharing a raw value with a held-out window (inputs, targets or the differencing lag) are kept out of a fold's training.
        int gap = t + h + options.DifferencingOrder - 1;
        int folds = options.CalibrationFolds;
        // A fold network trained on far fewer windows than the final one errs more, and bounds from its errors are too wide.
        if (folds > 0 && training - (training + folds - 1) / folds - 2 * gap < training / 2)
        {
            log($"CalibrationFolds {folds}: {training} training windows are too few for each fold to keep half of them after holding out " +
                $"a block and {gap} windows on each side; calibrating on the held-out tail alone.");
            folds = 0;
        }

        LstmForecastModel TrainPointForecaster(int[] starts, ulong networkSeed, LstmForecastingOptions runOptions, Action<string> runLog,
            Action<TrainingProgress>? runProgress)
        {
            var network = CreateNetwork(t, f, h, options.HiddenSize, options.LayerCount, options.TrainOnEveryStep);
            network.Initialize(networkSeed);
            var trainable = new NetworkTrainable(network, options.BatchSize, networkSeed + 1);
            bool everyStep = options.TrainOnEveryStep;
            int targets = network.OutputSize;
            var batch = new TrainingBatch(options.BatchSize, t * f, targets);
            int[] order = starts.ToArray();
            var random = new KernelRandom(networkSeed + 2);

            IEnumerable<TrainingBatch> Windows(int[] windowStarts, int count)
            {
                for (int begin = 0; begin < count; begin += batch.Capacity)
                {
                    batch.Count = Math.Min(batch.Capacity, count - begin);
                    for (int k = 0; k < batch.Count; k++)
                    {
                        int start = windowStarts[begin + k];
                        inputs.AsSpan(start * f, t * f).CopyTo(batch.Features.AsSpan(k * t * f, t * f));
                        // Step s predicts the h values after it; without every-step training only the last step does.
                        int firstStep = everyStep ? 0 : t - 1;
                        for (int step = firstStep; step < t; step++)
                            standardized.AsSpan(start + step + 1, h).CopyTo(batch.Targets.AsSpan(k * targets + (step - firstStep) * h, h));
                        batch.Lengths[k] = t;
                    }
                    yield return batch;
                }
            }

            IEnumerable<TrainingBatch> Epoch(int epoch)
            {
                for (int i = order.Length - 1; i > 0; i--)
                {
                    int j = random.NextInt32(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
                return Windows(order, order.Length);
            }

            var loop = new TrainingLoop(runOptions, new LossFunction(PredictionTask.Regression, targets), runLog, runProgress)
            {
                DataShape = (order.Length, t),
                SamplesPerEpochHint = order.Length,
                CheckCancelled = checkCancelled,
            };
            IReadOnlyList<TrainingProgress> history = loop.Run(trainable, Epoch,
                validation > 0 ? () => Windows(validationStarts, validation) : null);
            var predictor = new NetworkPredictor(network)
            {
                History = history,
                FeatureColumnName = options.InputColumnName,
                NonFiniteInputsGiveNaN = options.ScoreNonFiniteAsNaN,
            };
            return new LstmForecastModel(windowing, scaling, covariateScaling, predictor, new ForecastBounds(options.ConfidenceLevel, new float[h]));
        }

        LstmForecastModel pointForecaster = TrainPointForecaster(Enumerable.Range(0, training).ToArray(), seed, options, log, progress);
        NetworkPredictor predictor = pointForecaster.Predictor;
        // The first h - 1 held-out windows share targets with the last training windows; calibrate after them.
        int first = training + Math.Min(h - 1, Math.Max(heldOut - 1, 0));
        float[][] tailErrors = heldOut > 0 ? pointForecaster.Errors(series, covariates, first, windows - first) : new float[h][];
        ForecastBounds bounds;
        if (folds > 0)
        {
            // Cross-conformal: each fold network skips one block of training windows (and the gap around it); its errors on the
            // block are as unseen as the tail's, so the bounds rest on an out-of-fold error for nearly every window.
            var outOfFold = Enumerable.Range(0, h).Select(k => new List<float>(tailErrors[k] ?? [])).ToArray();
            // Fold runs report nothing: the history, progress and log file are the final network's.
            LstmForecastingOptions foldOptions = options with { BatchProgress = null, TrainingLogPath = null };
            for (int fold = 0; fold < folds; fold++)
            {
                int blockStart = (int)((long)training * fold / folds), blockEnd = (int)((long)training * (fold + 1) / folds);
                int[] starts = Enumerable.Range(0, training).Where(s => s < blockStart - gap || s >= blockEnd + gap).ToArray();
                LstmForecastModel foldForecaster = TrainPointForecaster(starts, seed + 16 * (ulong)(fold + 1), foldOptions, _ => { }, null);
                float[][] foldErrors = foldForecaster.Errors(series, covariates, blockStart, blockEnd - blockStart);
                for (int k = 0; k < h; k++)
                    outOfFold[k].AddRange(foldErrors[k]);
                log($"Calibration fold {fold + 1} of {folds}: trained on {starts.Length} windows, {foldErrors[0].Length} out-of-fold errors.");
            }
            bounds = ForecastBounds.Calibrate(options.ConfidenceLevel, outOfFold.Select(e => e.ToArray()).ToArray());
            log($"Bounds calibrated on {outOfFold[0].Count} out-of-fold errors ({folds} folds{(heldOut > 0 ? " and the held-out tail" : "")}): {options.ConfidenceLevel:P0} half-widths " +
                $"{string.Join(", ", bounds.HalfWidths.Select(w => w.ToString("G4")))}.");
        }
        else if (heldOut > 0)
        {
            bounds = ForecastBounds.Calibrate(options.ConfidenceLevel, tailErrors);
            log($"Bounds calibrated on {windows - first} held-out windows: {options.ConfidenceLevel:P0} half-widths {string.Join(", ", bounds.HalfWidths.Select(w => w.ToString("G4")))}.");
        }
        else
        {
            bounds = ForecastBounds.FromSpread(options.ConfidenceLevel, pointForecaster.Errors(series, covariates, 0, training)
                .Select(errors => (float)Math.Sqrt(errors.Sum(e => (double)e * e) / Math.Max(errors.Length, 1))).ToArray());
        }
        return new LstmForecastModel(windowing, scaling, covariateScaling, predictor, bounds);
    }

    /// <summary>
    /// Writes the next <see cref="Horizon"/> values after <paramref name="recent"/> (its last <see cref="HistoryLength"/>
    /// values are read) and, when the spans are not empty, the bounds. <paramref name="recentCovariates"/> holds the
    /// covariates of the same rows, <see cref="ForecastCovariates.Count"/> per row (its last WindowSize rows are read).
    /// </summary>
    public void Forecast(ForecastSession session, ReadOnlySpan<float> recent, ReadOnlySpan<float> recentCovariates, Span<float> forecast,
        Span<float> lower, Span<float> upper)
    {
        if (recent.Length < HistoryLength)
            throw new ArgumentException($"The forecaster needs the last {HistoryLength} values; it has {recent.Length}.", nameof(recent));
        int c = Covariates.Count;
        if (recentCovariates.Length < WindowSize * c)
            throw new ArgumentException($"The forecaster needs the covariates of the last {WindowSize} rows ({WindowSize * c} values); it has {recentCovariates.Length}.",
                nameof(recentCovariates));
        Span<float> window = Windowing.Window(recent, session.Window);
        Scaling.Standardize(window);
        if (c == 0)
        {
            session.Predictor.Predict(window, session.Output);
        }
        else
        {
            Covariates.Interleave(window, recentCovariates[^(WindowSize * c)..], session.Input);
            session.Predictor.Predict(session.Input, session.Output);
        }
        Span<float> values = forecast[..Horizon];
        session.Output.AsSpan(session.Output.Length - Horizon).CopyTo(values);
        Scaling.Restore(values);
        Windowing.Restore(recent, values);
        if (!lower.IsEmpty || !upper.IsEmpty)
            Bounds.Apply(values, lower, upper);
    }

    /// <summary>A scratch area for <see cref="Forecast"/>; one per thread.</summary>
    public ForecastSession CreateSession() => new(this);

    /// <summary>The forecaster's network: stacked LSTM layers over the window (target and covariates per step) and a dense layer of Horizon outputs.</summary>
    private static NeuralNetwork CreateNetwork(int window, int features, int horizon, int hidden, int layers, bool everyStep) =>
        new(new InputLayout(TensorShape.Sequence(window, features)), Stack(horizon, hidden, layers, everyStep));

    /// <summary>The layers of the forecaster's network (also how format-1 files rebuild it).</summary>
    internal static LayerStack Stack(int horizon, int hidden, int layers, bool everyStep) =>
        RecurrentStack.Build(RecurrentStack.Lstm, layers, hidden, bidirectional: false, dropout: 0, trailing: 0, dense: 0, horizon, everyStep);

    /// <summary>
    /// The forecast errors (actual minus forecast) of <paramref name="count"/> windows from <paramref name="firstWindow"/>,
    /// per horizon step: element k holds step k's errors.
    /// </summary>
    private float[][] Errors(ReadOnlySpan<float> series, ReadOnlySpan<float> covariates, int firstWindow, int count)
    {
        ForecastSession session = CreateSession();
        var forecast = new float[Horizon];
        var errors = new List<float>[Horizon];
        for (int k = 0; k < Horizon; k++)
            errors[k] = new List<float>(count);
        for (int start = firstWindow; start < firstWindow + count; start++)
        {
            int end = start + HistoryLength;
            if (end + Horizon > series.Length)
                break;
            Forecast(session, series[start..end], covariates[(start * Covariates.Count)..(end * Covariates.Count)], forecast, [], []);
            for (int k = 0; k < Horizon; k++)
                errors[k].Add(series[end + k] - forecast[k]);
        }
        return errors.Select(e => e.ToArray()).ToArray();
    }
}
