using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Fully connected layer; weights (Out, In) then bias (Out). On an image or vector it reads the flattened sample; on a
/// sequence it runs on every step (Keras' Dense on a 3-D input), so the output is a sequence of <c>Out</c> features.
/// </summary>
internal sealed class DenseLayer : Layer
{
    private readonly int _units;
    private readonly int _rowsPerSample;
    private readonly int _inputWidth;

    public DenseLayer(TensorShape input, int units)
        : base(input, input.IsSequence ? TensorShape.Sequence(input.Steps, units) : TensorShape.Vector(units))
    {
        _units = units;
        _rowsPerSample = input.IsSequence ? input.Steps : 1;
        _inputWidth = input.IsSequence ? input.Features : input.Size;
        if ((long)units * _inputWidth + units > int.MaxValue)
            throw new ArgumentException($"Dense.Units is {units}; on an input of {_inputWidth} that is {(long)units * _inputWidth:N0} weights, more than a network can hold.", "Dense.Units");
    }

    private int WeightCount => _units * _inputWidth;

    public override int ParameterCount => WeightCount + _units;

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("weight", 0, WeightCount, Decay: true),
        new("bias", WeightCount, _units, Decay: false),
    ];

    public override string Description => _rowsPerSample > 1 ? $"dense {_units} per step" : $"dense {_units}";

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        WeightInitializer.HeNormal(parameters[..WeightCount], _inputWidth, ref random);
        parameters[WeightCount..].Clear();
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
        => Dense.Forward(context.Batch * _rowsPerSample, _inputWidth, _units, input, context.Parameters[..WeightCount],
            context.Parameters[WeightCount..], output);

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
        => Dense.Backward(context.Batch * _rowsPerSample, _inputWidth, _units, input, context.Parameters[..WeightCount], dOutput,
            dInput, context.Gradients[..WeightCount], context.Gradients[WeightCount..]);
}
