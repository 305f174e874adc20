using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The training loop's view of a <see cref="NeuralNetwork"/>: a flat buffer, and a forward and a backward over a
/// <see cref="TrainingBatch"/>, with a workspace of its own sized for the batch.
/// </summary>
internal sealed class NetworkTrainable
{
    private readonly NeuralNetwork _network;
    private readonly SequentialWorkspace _workspace;

    public NetworkTrainable(NeuralNetwork network, int batchSize, ulong seed)
    {
        _network = network;
        _workspace = network.CreateWorkspace(batchSize, seed);
    }

    /// <summary>Parameters, gradients and state in flat arrays.</summary>
    public ParameterBuffer Buffer => _network.Buffer;

    /// <summary>Named parameter blocks, for weight decay.</summary>
    public IEnumerable<ParameterBlock> ParameterBlocks => _network.Sequential.ParameterBlocks();

    /// <summary>Outputs (logits or regression values) per sample.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>Runs the batch; returns (N, OutputSize). Training mode keeps what backward needs; validation forwards leave the running statistics alone.</summary>
    public ReadOnlySpan<float> Forward(TrainingBatch batch, bool training)
    {
        _network.Load(_workspace, batch.Features, batch.Lengths, batch.Count);
        return _network.Forward(_workspace, batch.Count, training);
    }

    /// <summary>Accumulates the parameter gradient of the last training forward given d(loss)/d(outputs).</summary>
    public void Backward(TrainingBatch batch, ReadOnlySpan<float> dOutputs) =>
        _network.Sequential.Backward(_workspace, batch.Count, Buffer.Values, Buffer.Gradients, Buffer.State, dOutputs);

    /// <summary>The workspace, for profiling.</summary>
    internal SequentialWorkspace Workspace => _workspace;
}
