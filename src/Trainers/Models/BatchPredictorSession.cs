using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Scores up to <see cref="Capacity"/> samples as one batch through the network (the batched kernels), with buffers of
/// its own; one per cursor.
/// </summary>
internal sealed class BatchPredictorSession
{
    private readonly NeuralNetwork _network;
    private readonly SequentialWorkspace _workspace;

    public BatchPredictorSession(NeuralNetwork network, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _network = network;
        _workspace = network.CreateWorkspace(capacity);
        Capacity = capacity;
    }

    /// <summary>Most samples one call scores.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Raw outputs (<paramref name="count"/>, OutputSize) of <paramref name="count"/> samples laid out InputLayout.Size
    /// floats apart in <paramref name="rows"/>, each using its first <paramref name="lengths"/>[n] floats; the span is
    /// valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Predict(ReadOnlySpan<float> rows, ReadOnlySpan<int> lengths, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        if (count == 0)
            return [];
        _network.Load(_workspace, rows, lengths, count);
        return _network.Forward(_workspace, count, training: false);
    }
}
