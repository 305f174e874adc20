using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>What the shared training loop needs from a network (CNN or LSTM): a flat buffer, a forward and a backward over a batch.</summary>
internal interface ITrainableNetwork
{
    /// <summary>Parameters, gradients and state in flat arrays.</summary>
    ParameterBuffer Buffer { get; }

    /// <summary>Named parameter blocks, for weight decay.</summary>
    IEnumerable<ParameterBlock> ParameterBlocks { get; }

    /// <summary>Outputs (logits or regression values) per sample.</summary>
    int OutputSize { get; }

    /// <summary>Runs the batch; returns (N, OutputSize). Training mode keeps what backward needs.</summary>
    ReadOnlySpan<float> Forward(TrainingBatch batch, bool training);

    /// <summary>Accumulates the parameter gradient of the last training forward given d(loss)/d(outputs).</summary>
    void Backward(TrainingBatch batch, ReadOnlySpan<float> dOutputs);
}
