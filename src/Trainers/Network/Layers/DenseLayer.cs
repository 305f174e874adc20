using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Fully connected layer over the flattened input; weights (Out, In) then bias (Out).</summary>
internal sealed class DenseLayer : Layer
{
    private readonly int _units;

    public DenseLayer(TensorShape input, int units)
        : base(input, TensorShape.Vector(units))
    {
        _units = units;
    }

    private int WeightCount => _units * InputShape.Size;

    public override int ParameterCount => WeightCount + _units;

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("weight", 0, WeightCount, Decay: true),
        new("bias", WeightCount, _units, Decay: false),
    ];

    public override string Description => $"dense {_units}";

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        WeightInitializer.HeNormal(parameters[..WeightCount], InputShape.Size, ref random);
        parameters[WeightCount..].Clear();
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
        => Dense.Forward(context.Batch, InputShape.Size, _units, input, context.Parameters[..WeightCount],
            context.Parameters[WeightCount..], output);

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
        => Dense.Backward(context.Batch, InputShape.Size, _units, input, context.Parameters[..WeightCount], dOutput,
            dInput, context.Gradients[..WeightCount], context.Gradients[WeightCount..]);
}
