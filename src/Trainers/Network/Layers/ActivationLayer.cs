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

    /// <summary>Whether this is a plain ReLU, which a preceding layer may apply in its own output stage.</summary>
    public bool IsRelu => _kind == ActivationKind.Relu;

    /// <summary>
    /// The preceding layer applies this ReLU as it stores its output, and this layer's output is that same buffer:
    /// forward has nothing left to do, and backward reads the rectified values as both input and output.
    /// </summary>
    public bool AppliedByPrecedingLayer { get; private set; }

    /// <summary>Marks this ReLU as applied by the preceding layer (while the network is built).</summary>
    public void ApplyInPrecedingLayer() => AppliedByPrecedingLayer = true;

    /// <summary>
    /// The following layer does this ReLU's backward in its own, writing straight into this layer's input gradient
    /// (which is then the same buffer as its output gradient): backward has nothing left to do.
    /// </summary>
    public bool BackwardAppliedByFollowingLayer { get; private set; }

    public override bool OutputIsInput => AppliedByPrecedingLayer;

    public override bool BackwardIsNoOp => BackwardAppliedByFollowingLayer;

    /// <summary>Marks this ReLU's backward as done by the following layer (while the network is built).</summary>
    public void ApplyBackwardInFollowingLayer() => BackwardAppliedByFollowingLayer = true;

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        if (!AppliedByPrecedingLayer)
            Activation.Forward(_kind, input, output, _slope);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (!dInput.IsEmpty && !BackwardAppliedByFollowingLayer)
            Activation.Backward(_kind, input, output, dOutput, dInput, _slope);
    }
}
