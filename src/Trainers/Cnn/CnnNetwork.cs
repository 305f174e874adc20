using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>
/// A convolutional network: the user's layer stack followed by a dense output layer sized to the task
/// (classes, 1 for binary, 1 for regression). Immutable after construction apart from its parameter buffer.
/// </summary>
internal sealed class CnnNetwork
{
    public CnnNetwork(TensorShape inputShape, LayerStack body, int outputs)
    {
        Body = body;
        Outputs = outputs;
        Sequential = new SequentialNetwork(inputShape, body.Append(new DenseSpec(outputs)));
        Buffer = new ParameterBuffer(Sequential.ParameterCount, Sequential.StateCount);
    }

    /// <summary>The layer specs the user gave (without the output layer).</summary>
    public LayerStack Body { get; }

    /// <summary>Width of the output layer.</summary>
    public int Outputs { get; }

    /// <summary>The built layers including the output layer.</summary>
    public SequentialNetwork Sequential { get; }

    /// <summary>Parameters, gradients and running statistics.</summary>
    public ParameterBuffer Buffer { get; }

    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape => Sequential.InputShape;

    /// <summary>Draws initial weights.</summary>
    public void Initialize(ulong seed)
    {
        var random = new KernelRandom(seed);
        Sequential.Initialize(Buffer, ref random);
    }

    /// <summary>Width of the layer before the output layer, the featurizer's output.</summary>
    public int PenultimateSize => Sequential.Layers[^1].InputShape.Size;

    /// <summary>
    /// Raw outputs (logits or values) for <paramref name="batch"/> samples already in <paramref name="workspace"/>'s input,
    /// in inference mode; safe to call from many threads with one workspace each.
    /// </summary>
    public ReadOnlySpan<float> Infer(SequentialWorkspace workspace, int batch) =>
        Sequential.Forward(workspace, batch, Buffer.Values, Buffer.State.AsSpan(), training: false);

    /// <summary>A workspace for scoring up to <paramref name="capacity"/> samples at once.</summary>
    public SequentialWorkspace CreateWorkspace(int capacity) => new(Sequential, capacity, seed: 0);

    /// <summary>Adapts this network to the shared training loop with its own training workspace.</summary>
    public ITrainableNetwork ForTraining(int batchSize, ulong seed) => new Trainable(this, batchSize, seed);

    private sealed class Trainable : ITrainableNetwork
    {
        private readonly CnnNetwork _network;
        private readonly SequentialWorkspace _workspace;

        public Trainable(CnnNetwork network, int batchSize, ulong seed)
        {
            _network = network;
            _workspace = new SequentialWorkspace(network.Sequential, batchSize, seed);
        }

        public ParameterBuffer Buffer => _network.Buffer;

        public IEnumerable<ParameterBlock> ParameterBlocks => _network.Sequential.ParameterBlocks();

        public int OutputSize => _network.Outputs;

        public ReadOnlySpan<float> Forward(TrainingBatch batch, bool training)
        {
            _workspace.EnsureCapacity(batch.Count);
            int size = _network.InputShape.Size;
            batch.Features.AsSpan(0, batch.Count * size).CopyTo(_workspace.Input);
            // Validation forwards must not move the running statistics; training ones must.
            return _network.Sequential.Forward(_workspace, batch.Count, Buffer.Values, Buffer.State, training);
        }

        public void Backward(TrainingBatch batch, ReadOnlySpan<float> dOutputs) =>
            _network.Sequential.Backward(_workspace, batch.Count, Buffer.Values, Buffer.Gradients, Buffer.State, dOutputs);
    }
}
