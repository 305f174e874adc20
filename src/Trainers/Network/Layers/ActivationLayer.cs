using MLNet.Extensions.Kernels.Activations;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Elementwise nonlinearity; shape unchanged.</summary>
internal sealed class ActivationLayer : Layer
{
    private readonly ActivationKind _kind;
    private readonly float _slope;

    public ActivationLayer(TensorShape input, ActivationKind kind, float leakySlope)
        : base(input, input)
    {
        _kind = kind;
        _slope = leakySlope;
    }

    public override string Description => _kind == ActivationKind.LeakyRelu ? $"leaky-relu {_slope}" : _kind.ToString().ToLowerInvariant();

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
        => Activation.Forward(_kind, input, output, _slope);

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (!dInput.IsEmpty)
            Activation.Backward(_kind, input, output, dOutput, dInput, _slope);
    }
}
