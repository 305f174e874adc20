using System.Diagnostics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Kernels.Optimizers;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Distributed;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The epoch loop every network trainer shares: mini-batches, loss and gradient, clipping, the optimizer step, the
/// learning-rate schedule, validation, early stopping with restore of the best weights, progress and logging. Under MPI
/// (<see cref="NetworkTrainingOptions.Distributed"/>) every rank runs it on its slice of each batch (<see cref="DataParallel"/>)
/// and only rank 0 logs and reports progress.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly NetworkTrainingOptions _options;
    private readonly LossFunction _loss;
    private readonly Action<string> _log;
    private readonly Action<TrainingProgress>? _progress;
    private readonly ICommunicator _world;
    private readonly DataParallel? _parallel;
    private readonly PlateauSchedule? _plateau;

    public TrainingLoop(NetworkTrainingOptions options, LossFunction loss, Action<string> log, Action<TrainingProgress>? progress)
    {
        _options = options;
        _loss = loss;
        _world = TrainingWorld.Resolve(options.Distributed);
        _parallel = _world.Size > 1 ? new DataParallel(_world) : null;
        bool logs = _world.Rank == 0;
        _log = logs ? log : _ => { };
        _progress = logs ? progress : null;
        _plateau = options.Schedule == LearningRateSchedule.ReduceOnPlateau ? new PlateauSchedule(options) : null;
    }

    /// <summary>Training rows and floats per sample, which the ranks of a distributed run check they agree on.</summary>
    public (long Rows, int FeatureSize) DataShape { get; init; }

    /// <summary>Called on every training batch before the forward pass (data augmentation).</summary>
    public Action<TrainingBatch>? Augment { get; init; }

    /// <summary>Training samples an epoch is expected to hold, for the first epoch's time estimate; later epochs count.</summary>
    public long? SamplesPerEpochHint { get; init; }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the caller's host is cancelled; called before every batch.</summary>
    public Action? CheckCancelled { get; init; }

    private void ThrowIfCancelled()
    {
        _options.CancellationToken.ThrowIfCancellationRequested();
        CheckCancelled?.Invoke();
    }

    /// <summary>
    /// Trains <paramref name="network"/>. <paramref name="trainBatches"/> yields the shuffled batches of one epoch (0-based);
    /// <paramref name="validationBatches"/>, when given, yields the validation batches. Returns the per-epoch history.
    /// </summary>
    public IReadOnlyList<TrainingProgress> Run(NetworkTrainable network, Func<int, IEnumerable<TrainingBatch>> trainBatches,
        Func<IEnumerable<TrainingBatch>>? validationBatches)
    {
        var optimizer = new NetworkOptimizer(_options, network.Buffer.Values.Length, network.ParameterBlocks);
        return Continue(network, optimizer, 0, _options.Epochs, trainBatches, validationBatches, CancellationToken.None);
    }

    /// <summary>
    /// Runs epochs [<paramref name="firstEpoch"/>, <paramref name="endEpoch"/>) from the network's current weights and
    /// <paramref name="optimizer"/>'s state, so that successive calls train exactly as one uninterrupted run would
    /// (shuffles, schedule and optimizer steps follow the absolute epoch). <paramref name="cancellationToken"/> is checked
    /// once per batch, like the options' own token. A distributed fit cannot be continued.
    /// </summary>
    public List<TrainingProgress> Continue(NetworkTrainable network, NetworkOptimizer optimizer, int firstEpoch, int endEpoch,
        Func<int, IEnumerable<TrainingBatch>> trainBatches, Func<IEnumerable<TrainingBatch>>? validationBatches,
        CancellationToken cancellationToken)
    {
        if (_parallel is not null && firstEpoch > 0)
            throw new NotSupportedException("A distributed (MPI) fit cannot be continued; train it in one Fit.");
        using KernelThreadScope threads = UseThreads(_options);
        try
        {
            return RunCore(network, optimizer, firstEpoch, endEpoch, trainBatches, validationBatches, cancellationToken);
        }
        catch (Exception error) when (_parallel is not null)
        {
            _parallel.Abort(error);
            throw;
        }
    }

    /// <summary>
    /// Gives the calling thread the kernel thread count of a Fit with <paramref name="options"/> until disposed, without
    /// touching the process default. <see cref="Run"/> opens it; trainers open it before they allocate workspaces too,
    /// since a convolution workspace is sized for the thread count.
    /// </summary>
    public static KernelThreadScope UseThreads(NetworkTrainingOptions options) =>
        new(options.ThreadCount ?? TrainingWorld.DefaultThreadCount(TrainingWorld.Resolve(options.Distributed)));

    private List<TrainingProgress> RunCore(NetworkTrainable network, NetworkOptimizer optimizer, int firstEpoch, int endEpoch,
        Func<int, IEnumerable<TrainingBatch>> trainBatches, Func<IEnumerable<TrainingBatch>>? validationBatches,
        CancellationToken cancellationToken)
    {
        var buffer = network.Buffer;
        var history = new List<TrainingProgress>();
        var clock = Stopwatch.StartNew();
        float[] dOutputs = [];
        float[]? bestValues = null, bestState = null;
        double bestLoss = double.PositiveInfinity;
        int epochsWithoutImprovement = 0;
        bool gradientsClear = false;
        if (_parallel is not null)
        {
            _log($"Data-parallel training on {_parallel.Size} ranks ({_world.Description}), {KernelThreadScope.CurrentThreadCount} threads each.");
            _parallel.Start(_options, buffer, network.OutputSize, DataShape.Rows, DataShape.FeatureSize);
        }
        long? epochSamples = SamplesPerEpochHint;
        double validationSeconds = 0;
        using TrainingCsvLog? csv = _options.TrainingLogPath is string csvPath ? new TrainingCsvLog(csvPath) : null;

        for (int epoch = firstEpoch; epoch < endEpoch; epoch++)
        {
            float learningRate = _plateau?.Rate ?? NetworkOptimizer.LearningRateAt(_options, epoch);
            double lossSum = 0;
            long samples = 0;
            long epochStart = clock.ElapsedTicks;
            int batches = 0;
            ThrowIfCancelled();
            foreach (TrainingBatch batch in Shard(trainBatches(epoch)))
            {
                ThrowIfCancelled();
                cancellationToken.ThrowIfCancellationRequested();
                double loss = 0;
                long batchSamples = batch.Count;
                Span<float> dOut = Span<float>.Empty;
                if (batch.Count > 0) // A rank's slice of a short last batch can be empty.
                {
                    Augment?.Invoke(batch);
                    ReadOnlySpan<float> outputs = network.Forward(batch, training: true);
                    if (dOutputs.Length < outputs.Length)
                        dOutputs = new float[batch.Capacity * network.OutputSize];
                    dOut = dOutputs.AsSpan(0, outputs.Length);
                    loss = _loss.Compute(batch, outputs, dOut, out _);
                }
                // The optimizer's step leaves the gradients zero; only the first step (or one after a failed step) clears them here.
                if (!gradientsClear)
                    buffer.ZeroGradients();
                gradientsClear = false;
                if (batch.Count > 0)
                    network.Backward(batch, dOut);
                // Summed after the backward pass, not before it: the ranks then meet once per step (here, and the gradient's
                // allreduce right after finds them together), so a rank slowed for a moment is waited for once, not twice.
                if (_parallel is not null)
                    (loss, batchSamples) = _parallel.SumLoss(loss, batch.Count);
                if (!double.IsFinite(loss))
                    throw Diverged(epoch, loss, batch);
                _parallel?.AverageGradients(buffer.Gradients, batch.Count, batchSamples);
                if (_options.GradientClipNorm > 0)
                    GradientClipping.ClipByGlobalNorm(buffer.Gradients, _options.GradientClipNorm);
                optimizer.Step(buffer.Values, buffer.Gradients, learningRate, clearGradients: true);
                gradientsClear = true;
                _parallel?.AfterStep(buffer.Values);
                lossSum += loss;
                samples += batchSamples;
                if (_options.BatchProgress is not null)
                    ReportBatch(epoch, ++batches, samples, lossSum, clock, epochStart, epochSamples, validationSeconds);
            }
            if (samples == 0)
                throw new InvalidOperationException("The training data has no rows.");
            double seconds = (clock.ElapsedTicks - epochStart) / (double)Stopwatch.Frequency;
            if (_parallel is not null)
            {
                _parallel.AverageState(buffer.State);
                _parallel.CheckWeights(buffer.Values);
            }
            epochSamples = samples;
            long validationStart = clock.ElapsedTicks;

            double? validationLoss = null, validationMetric = null;
            if (validationBatches is not null)
            {
                (validationLoss, validationMetric) = Evaluate(network, validationBatches());
                if (validationLoss < bestLoss - _options.EarlyStoppingMinDelta)
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

            // Mean validation time per epoch so far, for the time-left estimate of the batch reports.
            if (validationBatches is not null)
                validationSeconds = (validationSeconds * epoch + (clock.ElapsedTicks - validationStart) / (double)Stopwatch.Frequency) / (epoch + 1);

            bool stopEarly = _options.EarlyStoppingPatience > 0 && epochsWithoutImprovement >= _options.EarlyStoppingPatience
                && epoch + 1 < endEpoch;
            var progress = new TrainingProgress(epoch + 1, endEpoch, learningRate, lossSum / samples,
                validationLoss, validationMetric, _loss.MetricName, samples / Math.Max(seconds, 1e-9), clock.Elapsed)
            {
                StopReason = stopEarly
                    ? $"early stopping: validation loss has not improved{(_options.EarlyStoppingMinDelta > 0 ? $" by more than {_options.EarlyStoppingMinDelta:G3}" : "")} for {epochsWithoutImprovement} epochs (best {bestLoss:F4} at epoch {epoch + 1 - epochsWithoutImprovement})"
                    : null,
            };
            history.Add(progress);
            if (_plateau is not null && _plateau.Observe(validationLoss ?? lossSum / samples))
                _log($"Reducing the learning rate to {_plateau.Rate:G3} after epoch {epoch + 1}: the {(validationLoss is null ? "training" : "validation")} loss has not improved for {_options.PlateauPatience} epochs.");
            _log(progress.ToString());
            csv?.Write(progress);
            _progress?.Invoke(progress);

            if (stopEarly)
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

    private void ReportBatch(int epoch, int batch, long samples, double lossSum, Stopwatch clock, long epochStart,
        long? epochSamples, double validationSeconds)
    {
        double seconds = (clock.ElapsedTicks - epochStart) / (double)Stopwatch.Frequency;
        double rate = samples / Math.Max(seconds, 1e-9);
        long? total = epochSamples is long expected ? Math.Max(expected, samples) : null;
        TimeSpan? left = null;
        if (total is long perEpoch)
        {
            int epochsAfter = _options.Epochs - epoch - 1;
            double leftSeconds = (perEpoch - samples + (double)epochsAfter * perEpoch) / rate + (epochsAfter + 1) * validationSeconds;
            left = TimeSpan.FromSeconds(Math.Min(leftSeconds, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        _options.BatchProgress!(new BatchProgress(epoch + 1, _options.Epochs, batch, samples, total, lossSum / samples, rate,
            clock.Elapsed, left));
    }

    // Features far from unit scale overflow the first forward pass whatever the learning rate, so say that instead.
    private InvalidOperationException Diverged(int epoch, double loss, TrainingBatch batch)
    {
        float largest = 0;
        foreach (float v in batch.Features.AsSpan(0, batch.Count * batch.FeatureSize))
            largest = Math.Max(largest, Math.Abs(v));
        if (largest > 1e6f)
            return new InvalidOperationException(
                $"Training diverged at epoch {epoch + 1}: the loss became {loss} on features as large as {largest:G3}. Scale the features " +
                $"first (NormalizeMeanVariance, or StandardizeSequence for sequences); '{_options.FeatureColumnName}' should be near unit scale.");
        return new InvalidOperationException(
            $"Training diverged at epoch {epoch + 1}: the loss became {loss}. Lower LearningRate (now {_options.LearningRate}) or enable GradientClipNorm.");
    }

    /// <summary>Mean loss and the task's metric over <paramref name="batches"/>, in inference mode.</summary>
    public (double Loss, double Metric) Evaluate(NetworkTrainable network, IEnumerable<TrainingBatch> batches)
    {
        double lossSum = 0, metricSum = 0;
        long samples = 0;
        foreach (TrainingBatch batch in Shard(batches))
        {
            ThrowIfCancelled();
            if (batch.Count == 0)
                continue;
            ReadOnlySpan<float> outputs = network.Forward(batch, training: false);
            lossSum += _loss.Compute(batch, outputs, Span<float>.Empty, out double metric);
            metricSum += metric;
            samples += batch.Count;
        }
        _parallel?.SumEvaluation(ref lossSum, ref metricSum, ref samples);
        if (samples == 0)
            throw new InvalidOperationException("The validation data has no rows.");
        return (lossSum / samples, _loss.FinishMetric(metricSum, samples));
    }

    private IEnumerable<TrainingBatch> Shard(IEnumerable<TrainingBatch> batches) => _parallel?.Shard(batches) ?? batches;
}
