using MLNet.Extensions.Transforms.Persistence;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// A trained forecaster: differencing, standardization learned in Fit, an LSTM that maps the last window of the modelled
/// series to the next <c>Horizon</c> values, and per-step residual spreads for confidence bounds. Immutable.
/// </summary>
internal sealed class LstmForecastModel
{
    private LstmForecastModel(int windowSize, int horizon, int differencingOrder, float mean, float scale, NeuralNetwork network,
        float[] residualStd, float confidenceLevel)
    {
        WindowSize = windowSize;
        Horizon = horizon;
        DifferencingOrder = differencingOrder;
        Mean = mean;
        Scale = scale;
        Network = network;
        ResidualStd = residualStd;
        ConfidenceLevel = confidenceLevel;
    }

    /// <summary>Past values read per forecast.</summary>
    public int WindowSize { get; }

    /// <summary>Values forecast at once.</summary>
    public int Horizon { get; }

    /// <summary>0 or 1.</summary>
    public int DifferencingOrder { get; }

    /// <summary>Mean of the modelled (differenced) series in Fit.</summary>
    public float Mean { get; }

    /// <summary>Standard deviation of the modelled series in Fit (1 when it was constant).</summary>
    public float Scale { get; }

    /// <summary>The network: WindowSize steps of 1 feature to Horizon outputs (per step when trained on every step).</summary>
    public NeuralNetwork Network { get; }

    /// <summary>Spread of the training residuals at each horizon step, in the series' units.</summary>
    public float[] ResidualStd { get; }

    /// <summary>Probability mass inside the bounds.</summary>
    public float ConfidenceLevel { get; }

    /// <summary>Whether a non-finite value in the scored series gives NaN forecasts instead of an error.</summary>
    public bool NonFiniteInputsGiveNaN { get; private init; }

    /// <summary>Per-epoch training history.</summary>
    public IReadOnlyList<TrainingProgress> History { get; set; } = [];

    /// <summary>Raw values the model needs before it can forecast: the window plus the differencing lag.</summary>
    public int HistoryLength => WindowSize + DifferencingOrder;

    /// <summary>Trains on <paramref name="series"/> (time order); throws naming the problem when it is too short or not finite.</summary>
    public static LstmForecastModel Train(ReadOnlySpan<float> series, LstmForecastingOptions options, Action<string> log,
        Action<TrainingProgress>? progress, Action? checkCancelled = null)
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

        float[] modelled = Difference(series, options.DifferencingOrder);
        double mean = 0, variance = 0;
        foreach (float v in modelled)
            mean += v;
        mean /= modelled.Length;
        foreach (float v in modelled)
            variance += (v - mean) * (v - mean);
        float scale = (float)Math.Sqrt(variance / modelled.Length);
        if (!(scale > 1e-12f))
            scale = 1f;
        var standardized = new float[modelled.Length];
        for (int i = 0; i < modelled.Length; i++)
            standardized[i] = (float)((modelled[i] - mean) / scale);

        int t = options.WindowSize, h = options.Horizon;
        int windows = standardized.Length - t - h + 1;
        int validation = (int)(windows * options.ValidationFraction);
        int training = windows - validation;
        if (training < 1)
            throw new ArgumentException($"Column '{options.InputColumnName}' leaves no training windows after holding out ValidationFraction {options.ValidationFraction}.", nameof(series));

        TrainingMemory.Check(new InputLayout(TensorShape.Sequence(t, 1)), Stack(h, options.HiddenSize, options.LayerCount, options.TrainOnEveryStep),
            options, nameof(LstmForecastingOptions.HiddenSize));
        var network = CreateNetwork(t, h, options.HiddenSize, options.LayerCount, options.TrainOnEveryStep);
        // The estimator resolves an unset seed from its MLContext; a direct call without one keeps seed 0.
        ulong seed = (ulong)(options.Seed ?? 0);
        network.Initialize(seed);
        var trainable = new NetworkTrainable(network, options.BatchSize, seed + 1);
        bool everyStep = options.TrainOnEveryStep;
        int targets = network.OutputSize;
        var batch = new TrainingBatch(options.BatchSize, t, targets);
        var order = Enumerable.Range(0, training).ToArray();
        var random = new KernelRandom(seed + 2);

        IEnumerable<TrainingBatch> Windows(int[] starts, int count)
        {
            for (int begin = 0; begin < count; begin += batch.Capacity)
            {
                batch.Count = Math.Min(batch.Capacity, count - begin);
                for (int k = 0; k < batch.Count; k++)
                {
                    int start = starts[begin + k];
                    standardized.AsSpan(start, t).CopyTo(batch.Features.AsSpan(k * t, t));
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

        int[] validationStarts = Enumerable.Range(training, validation).ToArray();
        var loop = new TrainingLoop(options, new LossFunction(PredictionTask.Regression, targets), log, progress)
        {
            DataShape = (training, t),
            SamplesPerEpochHint = training,
            CheckCancelled = checkCancelled,
        };
        IReadOnlyList<TrainingProgress> history = loop.Run(trainable, Epoch,
            validation > 0 ? () => Windows(validationStarts, validation) : null);

        var model = new LstmForecastModel(t, h, options.DifferencingOrder, (float)mean, scale, network, new float[h], options.ConfidenceLevel)
        {
            History = history,
            NonFiniteInputsGiveNaN = options.ScoreNonFiniteAsNaN,
        };
        model.MeasureResiduals(series, training);
        return model;
    }

    /// <summary>
    /// Writes the next <see cref="Horizon"/> values after <paramref name="recent"/> (its last <see cref="HistoryLength"/>
    /// values are read) and, when the spans are not empty, the bounds.
    /// </summary>
    public void Forecast(ForecastSession session, ReadOnlySpan<float> recent, Span<float> forecast, Span<float> lower, Span<float> upper)
    {
        if (recent.Length < HistoryLength)
            throw new ArgumentException($"The forecaster needs the last {HistoryLength} values; it has {recent.Length}.", nameof(recent));
        ReadOnlySpan<float> tail = recent[^HistoryLength..];
        Span<float> window = session.Window;
        for (int i = 0; i < WindowSize; i++)
        {
            float value = DifferencingOrder == 1 ? tail[i + 1] - tail[i] : tail[i];
            window[i] = (value - Mean) / Scale;
        }
        Network.Load(session.Workspace, window, session.Length, 1);
        ReadOnlySpan<float> output = Network.Forward(session.Workspace, 1, training: false)[^Horizon..];
        float level = tail[^1];
        for (int k = 0; k < Horizon; k++)
        {
            float value = output[k] * Scale + Mean;
            level = DifferencingOrder == 1 ? level + value : value;
            forecast[k] = level;
        }
        if (!lower.IsEmpty || !upper.IsEmpty)
        {
            float z = NormalQuantile(0.5 + ConfidenceLevel / 2);
            for (int k = 0; k < Horizon; k++)
            {
                if (!lower.IsEmpty)
                    lower[k] = forecast[k] - z * ResidualStd[k];
                if (!upper.IsEmpty)
                    upper[k] = forecast[k] + z * ResidualStd[k];
            }
        }
    }

    /// <summary>A scratch area for <see cref="Forecast"/>; one per thread.</summary>
    public ForecastSession CreateSession() => new(this);

    // Binary format (version 3): int32 windowSize, horizon, differencingOrder; float32 mean, scale, confidenceLevel;
    // FloatBlock residualStd; the network in NetworkFormat; byte scoring flags (bit 0: non-finite inputs give NaN).
    // Version 2 had no flags. Version 1 had, instead of the network, int32 hiddenSize,
    // layerCount; bool everyStep (before the residuals) and the LSTM parameters after them.
    public void Save(BinaryWriter writer)
    {
        writer.Write(WindowSize);
        writer.Write(Horizon);
        writer.Write(DifferencingOrder);
        writer.Write(Mean);
        writer.Write(Scale);
        writer.Write(ConfidenceLevel);
        FloatBlock.Write(writer, ResidualStd);
        NetworkFormat.Write(writer, Network);
        writer.Write((byte)(NonFiniteInputsGiveNaN ? 1 : 0));
    }

    /// <summary>Reads what <see cref="Save"/> wrote (format <paramref name="version"/> 3, or the older 1 and 2), checking every field.</summary>
    public static LstmForecastModel Load(BinaryReader reader, int version)
    {
        int window = reader.ReadInt32(), horizon = reader.ReadInt32(), order = reader.ReadInt32();
        float mean = reader.ReadSingle(), scale = reader.ReadSingle(), confidence = reader.ReadSingle();
        if (window is < 1 or > 1_000_000 || horizon is < 1 or > 1_000_000 || order is not (0 or 1) || !float.IsFinite(mean)
            || !(scale > 0) || !float.IsFinite(scale) || !(confidence is > 0 and < 1) || !FloatBlock.Fits(reader, horizon))
            throw new InvalidDataException(
                $"The saved forecaster's settings (window {window}, horizon {horizon}, differencing {order}, mean {mean}, scale {scale}, confidence {confidence}) are invalid.");
        var residuals = new float[horizon];
        NeuralNetwork network;
        if (version == 1)
        {
            int hidden = reader.ReadInt32(), layers = reader.ReadInt32();
            bool everyStep = NetworkFormat.ReadFlag(reader);
            if (hidden is < 1 or > 16_384 || layers is < 1 or > 1000)
                throw new InvalidDataException("The saved forecaster's network settings are invalid.");
            FloatBlock.ReadInto(reader, residuals, "forecaster residual spreads");
            network = NetworkFormat.Rebuild(reader, new InputLayout(TensorShape.Sequence(window, 1)),
                Stack(horizon, hidden, layers, everyStep), "forecaster LSTM", readState: false);
        }
        else
        {
            FloatBlock.ReadInto(reader, residuals, "forecaster residual spreads");
            network = NetworkFormat.Read(reader);
            if (network.Layout.Shape != TensorShape.Sequence(window, 1) || network.Layout.TrailingFeatures != 0
                || (network.OutputSize != horizon && network.OutputSize != window * horizon))
                throw new InvalidDataException(
                    $"The saved forecaster's network reads {network.Layout.Shape} and writes {network.OutputSize} values; window {window} and horizon {horizon} need ({window} steps x 1) and {horizon} or {window * horizon}.");
        }
        byte flags = version >= 3 ? reader.ReadByte() : (byte)0;
        if (flags > 1)
            throw new InvalidDataException($"The saved forecaster's scoring flags ({flags}) are invalid.");
        return new LstmForecastModel(window, horizon, order, mean, scale, network, residuals, confidence) { NonFiniteInputsGiveNaN = flags == 1 };
    }

    /// <summary>The forecaster's network: stacked LSTM layers over the window and a dense layer of Horizon outputs.</summary>
    private static NeuralNetwork CreateNetwork(int window, int horizon, int hidden, int layers, bool everyStep) =>
        new(new InputLayout(TensorShape.Sequence(window, 1)), Stack(horizon, hidden, layers, everyStep));

    private static LayerStack Stack(int horizon, int hidden, int layers, bool everyStep) =>
        RecurrentStack.Build(RecurrentStack.Lstm, layers, hidden, bidirectional: false, dropout: 0, trailing: 0, dense: 0, horizon, everyStep);

    private void MeasureResiduals(ReadOnlySpan<float> series, int trainingWindows)
    {
        ForecastSession session = CreateSession();
        var forecast = new float[Horizon];
        var sums = new double[Horizon];
        int count = 0;
        for (int start = 0; start < trainingWindows; start++)
        {
            int end = start + HistoryLength;
            if (end + Horizon > series.Length)
                break;
            Forecast(session, series[start..end], forecast, [], []);
            for (int k = 0; k < Horizon; k++)
            {
                double e = series[end + k] - forecast[k];
                sums[k] += e * e;
            }
            count++;
        }
        for (int k = 0; k < Horizon; k++)
            ResidualStd[k] = count > 0 ? (float)Math.Sqrt(sums[k] / count) : 0f;
    }

    private static float[] Difference(ReadOnlySpan<float> series, int order)
    {
        if (order == 0)
            return series.ToArray();
        var result = new float[series.Length - 1];
        for (int i = 1; i < series.Length; i++)
            result[i - 1] = series[i] - series[i - 1];
        return result;
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
