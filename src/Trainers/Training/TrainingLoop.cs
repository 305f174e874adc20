using System.Diagnostics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Optimizers;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The epoch loop every network trainer shares: mini-batches, loss and gradient, clipping, the optimizer step, the
/// learning-rate schedule, validation, early stopping with restore of the best weights, progress and logging.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly NetworkTrainingOptions _options;
    private readonly LossFunction _loss;
    private readonly Action<string> _log;
    private readonly Action<TrainingProgress>? _progress;

    public TrainingLoop(NetworkTrainingOptions options, LossFunction loss, Action<string> log, Action<TrainingProgress>? progress)
    {
        _options = options;
        _loss = loss;
        _log = log;
        _progress = progress;
    }

    /// <summary>Called on every training batch before the forward pass (data augmentation).</summary>
    public Action<TrainingBatch>? Augment { get; init; }

    /// <summary>
    /// Trains <paramref name="network"/>. <paramref name="trainBatches"/> yields the shuffled batches of one epoch (0-based);
    /// <paramref name="validationBatches"/>, when given, yields the validation batches. Returns the per-epoch history.
    /// </summary>
    public IReadOnlyList<TrainingProgress> Run(NetworkTrainable network, Func<int, IEnumerable<TrainingBatch>> trainBatches,
        Func<IEnumerable<TrainingBatch>>? validationBatches)
    {
        using KernelThreadScope threads = UseThreads(_options);
        return RunCore(network, trainBatches, validationBatches);
    }

    /// <summary>
    /// Gives the calling thread the kernel thread count of a Fit with <paramref name="options"/> until disposed, without
    /// touching the process default. <see cref="Run"/> opens it; trainers open it before they allocate workspaces too,
    /// since a convolution workspace is sized for the thread count.
    /// </summary>
    public static KernelThreadScope UseThreads(NetworkTrainingOptions options) =>
        new(options.ThreadCount ?? KernelSettings.ThreadCount);

    private List<TrainingProgress> RunCore(NetworkTrainable network, Func<int, IEnumerable<TrainingBatch>> trainBatches,
        Func<IEnumerable<TrainingBatch>>? validationBatches)
    {
        var buffer = network.Buffer;
        var optimizer = new NetworkOptimizer(_options, buffer.Values.Length, network.ParameterBlocks);
        var history = new List<TrainingProgress>();
        var clock = Stopwatch.StartNew();
        float[] dOutputs = [];
        float[]? bestValues = null, bestState = null;
        double bestLoss = double.PositiveInfinity;
        int epochsWithoutImprovement = 0;

        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            float learningRate = NetworkOptimizer.LearningRateAt(_options, epoch);
            double lossSum = 0;
            long samples = 0;
            long epochStart = clock.ElapsedTicks;
            foreach (TrainingBatch batch in trainBatches(epoch))
            {
                Augment?.Invoke(batch);
                ReadOnlySpan<float> outputs = network.Forward(batch, training: true);
                if (dOutputs.Length < outputs.Length)
                    dOutputs = new float[batch.Capacity * network.OutputSize];
                Span<float> dOut = dOutputs.AsSpan(0, outputs.Length);
                double loss = _loss.Compute(batch, outputs, dOut, out _);
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException(
                        $"Training diverged at epoch {epoch + 1}: the loss became {loss}. Lower LearningRate (now {_options.LearningRate}) or enable GradientClipNorm.");
                buffer.ZeroGradients();
                network.Backward(batch, dOut);
                if (_options.GradientClipNorm > 0)
                    GradientClipping.ClipByGlobalNorm(buffer.Gradients, _options.GradientClipNorm);
                optimizer.Step(buffer.Values, buffer.Gradients, learningRate);
                lossSum += loss;
                samples += batch.Count;
            }
            if (samples == 0)
                throw new InvalidOperationException("The training data has no rows.");
            double seconds = (clock.ElapsedTicks - epochStart) / (double)Stopwatch.Frequency;

            double? validationLoss = null, validationMetric = null;
            if (validationBatches is not null)
            {
                (validationLoss, validationMetric) = Evaluate(network, validationBatches());
                if (validationLoss < bestLoss)
                {
                    bestLoss = validationLoss.Value;
                    epochsWithoutImprovement = 0;
                    if (_options.RestoreBestWeights)
                    {
                        bestValues = (float[])buffer.Values.Clone();
                        bestState = (float[])buffer.State.Clone();
                    }
                }
                else
                {
                    epochsWithoutImprovement++;
                }
            }

            var progress = new TrainingProgress(epoch + 1, _options.Epochs, learningRate, lossSum / samples,
                validationLoss, validationMetric, _loss.MetricName, samples / Math.Max(seconds, 1e-9), clock.Elapsed);
            history.Add(progress);
            _log(progress.ToString());
            _progress?.Invoke(progress);

            if (_options.EarlyStoppingPatience > 0 && epochsWithoutImprovement >= _options.EarlyStoppingPatience)
            {
                _log($"Early stopping after epoch {epoch + 1}: validation loss has not improved for {epochsWithoutImprovement} epochs.");
                break;
            }
        }

        if (bestValues is not null && bestState is not null)
        {
            bestValues.CopyTo(buffer.Values, 0);
            bestState.CopyTo(buffer.State, 0);
            _log($"Restored the weights with the lowest validation loss ({bestLoss:F4}).");
        }
        return history;
    }

    /// <summary>Mean loss and the task's metric over <paramref name="batches"/>, in inference mode.</summary>
    public (double Loss, double Metric) Evaluate(NetworkTrainable network, IEnumerable<TrainingBatch> batches)
    {
        double lossSum = 0, metricSum = 0;
        long samples = 0;
        foreach (TrainingBatch batch in batches)
        {
            ReadOnlySpan<float> outputs = network.Forward(batch, training: false);
            lossSum += _loss.Compute(batch, outputs, Span<float>.Empty, out double metric);
            metricSum += metric;
            samples += batch.Count;
        }
        if (samples == 0)
            throw new InvalidOperationException("The validation data has no rows.");
        return (lossSum / samples, _loss.FinishMetric(metricSum, samples));
    }
}
