using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The training loop's view of a <see cref="NeuralNetwork"/>: a flat buffer, and a forward and a backward over a
/// <see cref="TrainingBatch"/>, run data-parallel over fixed-size sub-batches (<see cref="DataParallelNetwork"/>) so the
/// trained model does not depend on the thread count.
/// </summary>
internal sealed class NetworkTrainable
{
    private readonly NeuralNetwork _network;
    private readonly DataParallelNetwork _parallel;
    private readonly int _batchSize;
    private readonly ulong _seed;
    private SequentialWorkspace? _profilingWorkspace;

    public NetworkTrainable(NeuralNetwork network, int batchSize, ulong seed)
    {
        _network = network;
        _batchSize = batchSize;
        _seed = seed;
        _parallel = new DataParallelNetwork(network, batchSize, seed);
    }

    /// <summary>Parameters, gradients and state in flat arrays.</summary>
    public ParameterBuffer Buffer => _network.Buffer;

    /// <summary>Named parameter blocks, for weight decay.</summary>
    public IEnumerable<ParameterBlock> ParameterBlocks => _network.Sequential.ParameterBlocks();

    /// <summary>Outputs (logits or regression values) per sample.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>Runs the batch; returns (N, OutputSize). Training mode keeps what backward needs; validation forwards leave the running statistics alone.</summary>
    public ReadOnlySpan<float> Forward(TrainingBatch batch, bool training) =>
        _parallel.Forward(batch.Features, batch.Lengths, batch.Count, training);

    /// <summary>Accumulates the parameter gradient of the last training forward given d(loss)/d(outputs).</summary>
    public void Backward(TrainingBatch batch, ReadOnlySpan<float> dOutputs) => _parallel.Backward(dOutputs[..(batch.Count * OutputSize)]);

    /// <summary>A whole-batch workspace, for profiling one layer at a time.</summary>
    internal SequentialWorkspace Workspace => _profilingWorkspace ??= _network.CreateWorkspace(_batchSize, _seed);
}
