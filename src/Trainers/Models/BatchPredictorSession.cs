using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Scores up to <see cref="Capacity"/> samples as one batch through the network (the batched kernels), with buffers of
/// its own; one cursor at a time (cursors rent and return them, <see cref="NetworkPredictor.RentBatchSession"/>).
/// </summary>
internal sealed class BatchPredictorSession
{
    private readonly NeuralNetwork _network;
    private readonly SequentialWorkspace _workspace;
    private readonly TargetScaling? _scaling;

    public BatchPredictorSession(NeuralNetwork network, int capacity, TargetScaling? scaling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _network = network;
        _scaling = scaling;
        _workspace = network.CreateWorkspace(capacity);
        Capacity = capacity;
        Rows = new float[checked(capacity * network.Layout.Size)];
        Lengths = new int[capacity];
    }

    /// <summary>Most samples one call scores.</summary>
    public int Capacity { get; }

    /// <summary>Where a caller stages a block's rows (Capacity × InputLayout.Size floats), kept with the session so a reused session brings its own.</summary>
    public float[] Rows { get; }

    /// <summary>Where a caller stages each staged row's used length.</summary>
    public int[] Lengths { get; }

    /// <summary>
    /// outputs := the outputs (<paramref name="count"/>, OutputSize) of <paramref name="count"/> samples laid out
    /// InputLayout.Size floats apart in <paramref name="rows"/>, each using its first <paramref name="lengths"/>[n] floats;
    /// in the label's units, as <see cref="IPredictorSession.Predict"/> gives them (target scaling undone).
    /// </summary>
    public void Predict(ReadOnlySpan<float> rows, ReadOnlySpan<int> lengths, int count, Span<float> outputs)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        if (count == 0)
            return;
        _network.Load(_workspace, rows, lengths, count);
        ReadOnlySpan<float> raw = _network.Forward(_workspace, count, training: false);
        raw.CopyTo(outputs);
        _scaling?.Restore(outputs[..raw.Length]);
    }
}
