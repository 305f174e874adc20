using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Batch normalization per channel (per feature for flat input). Parameters: gamma (C) then beta (C);
/// state: running mean (C) then running variance (C), used at inference.
/// </summary>
internal sealed class BatchNormLayer : Layer
{
    private const float Momentum = 0.1f;
    private const float Epsilon = 1e-5f;
    private readonly int _channels;
    private readonly int _spatial;

    public BatchNormLayer(TensorShape input)
        : base(input, input)
    {
        _channels = input.Channels;
        _spatial = input.Height * input.Width;
    }

    public override int ParameterCount => 2 * _channels;

    public override int StateCount => 2 * _channels;

    public override int CacheSize(int batch) => 2 * _channels;

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("gamma", 0, _channels, Decay: false),
        new("beta", _channels, _channels, Decay: false),
    ];

    public override string Description => "batch-norm";

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        parameters[.._channels].Fill(1f);
        parameters[_channels..].Clear();
        state[.._channels].Clear();
        state[_channels..].Fill(1f);
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        var shape = new BatchNormShape(context.Batch, _channels, _spatial);
        ReadOnlySpan<float> gamma = context.Parameters[.._channels], beta = context.Parameters[_channels..];
        // One sample carries no batch statistics; fall back to the running ones, as Keras does at inference.
        if (context.Training && context.Batch * _spatial > 1)
            BatchNorm.ForwardTraining(shape, input, gamma, beta, output, context.Cache[.._channels],
                context.Cache[_channels..], context.State[.._channels], context.State[_channels..], Momentum, Epsilon);
        else
            BatchNorm.ForwardInference(shape, input, gamma, beta, context.State[.._channels],
                context.State[_channels..], Epsilon, output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        var shape = new BatchNormShape(context.Batch, _channels, _spatial);
        Span<float> scratch = dInput.IsEmpty ? context.Workspace[..shape.Size] : dInput;
        BatchNorm.Backward(shape, input, dOutput, context.Parameters[.._channels], context.Cache[.._channels],
            context.Cache[_channels..], scratch, context.Gradients[.._channels], context.Gradients[_channels..]);
    }

    public override int WorkspaceSize(int batch) => batch * InputShape.Size;
}
