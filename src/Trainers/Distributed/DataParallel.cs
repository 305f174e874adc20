using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Distributed;

/// <summary>
/// Data-parallel training over a group of ranks, as Horovod and PyTorch DDP do it: every rank holds the whole network,
/// starts from rank 0's weights, reads the same shuffled global batches (same seed) and keeps its own slice of each, and
/// averages the step's gradient with one in-place allreduce of the flat buffer, so the same optimizer step keeps the
/// weights bit-identical; a checksum every <see cref="CheckEverySteps"/> steps fails loudly when they drift apart.
/// </summary>
internal sealed class DataParallel
{
    /// <summary>Steps between weight checksum comparisons (also compared at the end of every epoch).</summary>
    public const int CheckEverySteps = 50;

    private readonly ICommunicator _world;
    private readonly double[] _pair = new double[2];
    private long _steps;

    public DataParallel(ICommunicator world)
    {
        _world = world;
    }

    /// <summary>This rank, 0 for the one that logs.</summary>
    public int Rank => _world.Rank;

    /// <summary>Ranks in the group.</summary>
    public int Size => _world.Size;

    /// <summary>
    /// Checks in one allreduce that every rank has the same options, network and data, then copies rank 0's weights and
    /// state to the others.
    /// </summary>
    public void Start(NetworkTrainingOptions options, ParameterBuffer buffer, int outputs, long rows, int featureSize)
    {
        (string Name, double Value)[] facts =
        [
            ("options", StableHash((options with { ThreadCount = null }).ToString())),
            ("parameter count", buffer.Values.Length),
            ("state count", buffer.State.Length),
            ("network outputs", outputs),
            ("training rows", rows),
            ("feature size", featureSize),
        ];
        var extremes = new double[2 * facts.Length];
        for (int i = 0; i < facts.Length; i++)
        {
            extremes[i] = facts[i].Value;
            extremes[facts.Length + i] = -facts[i].Value;
        }
        _world.AllreduceMax(extremes);
        for (int i = 0; i < facts.Length; i++)
        {
            double max = extremes[i], min = -extremes[facts.Length + i];
            if (max != min)
                throw new InvalidOperationException(
                    $"The {Size} ranks disagree on the {facts[i].Name} (from {min:R} to {max:R}; this rank has {facts[i].Value:R}). " +
                    "Every rank must run the same program on the same data with the same options.");
        }
        _world.Broadcast(buffer.Values, 0);
        _world.Broadcast(buffer.State, 0);
    }

    /// <summary>
    /// Yields each global batch cut down to this rank's contiguous slice (possibly empty for a short last batch); batches
    /// held in memory copy only that slice, so each rank's data work shrinks with the ranks.
    /// </summary>
    public IEnumerable<TrainingBatch> Shard(IEnumerable<TrainingBatch> globalBatches) =>
        globalBatches is Data.IShardableBatches shardable ? shardable.Slices(Rank, Size) : ShardInPlace(globalBatches);

    private IEnumerable<TrainingBatch> ShardInPlace(IEnumerable<TrainingBatch> globalBatches)
    {
        foreach (TrainingBatch batch in globalBatches)
        {
            int total = batch.Count;
            int start = (int)((long)total * Rank / Size), end = (int)((long)total * (Rank + 1) / Size);
            KeepRows(batch, start, end - start);
            yield return batch;
        }
    }

    /// <summary>Sums the batch loss and the sample count over the ranks.</summary>
    public (double Loss, long Samples) SumLoss(double loss, int samples)
    {
        _pair[0] = loss;
        _pair[1] = samples;
        _world.AllreduceSum(_pair);
        return (_pair[0], (long)_pair[1]);
    }

    /// <summary>
    /// Turns this rank's gradient of its mean loss into the gradient of the global batch's mean loss: weighted by its share
    /// of the samples, then summed over the ranks in place.
    /// </summary>
    public void AverageGradients(float[] gradients, int localSamples, long globalSamples)
    {
        if (localSamples != globalSamples)
            TensorPrimitives.Multiply(gradients, (float)((double)localSamples / globalSamples), gradients);
        _world.AllreduceSum(gradients);
    }

    /// <summary>Counts a step and compares the weights' checksum every <see cref="CheckEverySteps"/> steps.</summary>
    public void AfterStep(float[] values)
    {
        if (++_steps % CheckEverySteps == 0)
            CheckWeights(values);
    }

    /// <summary>
    /// Averages non-trained state (batch normalization's running statistics, which each rank updates from its own slice)
    /// so that every rank ends the epoch with the same model.
    /// </summary>
    public void AverageState(float[] state)
    {
        if (state.Length == 0)
            return;
        _world.AllreduceSum(state);
        TensorPrimitives.Multiply(state, 1f / Size, state);
    }

    /// <summary>Throws on every rank when any two ranks' weights differ in any bit.</summary>
    public void CheckWeights(float[] values)
    {
        double checksum = StableHash(MemoryMarshal.AsBytes(values.AsSpan()));
        _pair[0] = checksum;
        _pair[1] = -checksum;
        _world.AllreduceMax(_pair);
        if (_pair[0] != -_pair[1])
            throw new InvalidOperationException(
                $"The weights of the {Size} ranks diverged by step {_steps}: their checksums differ (this rank {checksum:R}, " +
                $"highest {_pair[0]:R}, lowest {-_pair[1]:R}). The ranks must run the same build on machines that compute alike.");
    }

    /// <summary>Sums validation sums and counts over the ranks.</summary>
    public void SumEvaluation(ref double lossSum, ref double metricSum, ref long samples)
    {
        Span<double> sums = [lossSum, metricSum, samples];
        _world.AllreduceSum(sums);
        (lossSum, metricSum, samples) = (sums[0], sums[1], (long)sums[2]);
    }

    /// <summary>Ends every rank after <paramref name="error"/> on this one: the others would otherwise wait in their next collective.</summary>
    public void Abort(Exception error) =>
        _world.Abort($"Rank {Rank} of {Size}: training failed, ending every rank. {error}");

    private static void KeepRows(TrainingBatch batch, int start, int count)
    {
        if (start > 0 && count > 0)
        {
            Array.Copy(batch.Features, start * batch.FeatureSize, batch.Features, 0, count * batch.FeatureSize);
            Array.Copy(batch.Targets, start * batch.TargetSize, batch.Targets, 0, count * batch.TargetSize);
            Array.Copy(batch.ClassLabels, start, batch.ClassLabels, 0, count);
            Array.Copy(batch.Lengths, start, batch.Lengths, 0, count);
            if (batch.HasWeights)
                Array.Copy(batch.Weights, start, batch.Weights, 0, count);
        }
        batch.Count = count;
    }

    /// <summary>FNV-1a over the bytes, cut to 52 bits so that a double holds it exactly.</summary>
    private static double StableHash(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong word in words)
            hash = (hash ^ word) * 1099511628211UL;
        for (int i = words.Length * sizeof(ulong); i < bytes.Length; i++)
            hash = (hash ^ bytes[i]) * 1099511628211UL;
        return hash & ((1UL << 52) - 1);
    }

    private static double StableHash(string text) => StableHash(MemoryMarshal.AsBytes(text.AsSpan()));
}
