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

    public override int PackedParameterSize => Dense.PackedWeightsSize(_inputWidth, _units, backward: true);

    public override void PackParameters(ReadOnlySpan<float> parameters, Span<float> packed, bool training, int part, int parts)
        => Dense.PackWeightsShare(_inputWidth, _units, parameters[..WeightCount], packed, training, part, parts);

    // The whole batch's inputs (rows, In) then output gradients (rows, Out): the weight gradient is one product over all
    // of them, instead of one per sub-batch into its own copy of the weights' size that is then added up.
    public override int WholeBatchStashSize(int batch) => batch * _rowsPerSample * (_inputWidth + _units);

    public override (int Offset, int Length) WholeBatchGradientRange => (0, WeightCount);

    public override void AccumulateWholeBatchGradient(ReadOnlySpan<float> stash, int batch, Span<float> gradients, int part, int parts)
    {
        int capacityRows = stash.Length / (_inputWidth + _units), rows = batch * _rowsPerSample;
        Dense.WeightGradientShare(rows, _inputWidth, _units, stash[..(rows * _inputWidth)],
            stash.Slice(capacityRows * _inputWidth, rows * _units), gradients[..WeightCount], part, parts);
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        int rows = context.Batch * _rowsPerSample;
        if (context.PackedParameters.IsEmpty)
            Dense.Forward(rows, _inputWidth, _units, input, context.Parameters[..WeightCount], context.Parameters[WeightCount..], output);
        else
            Dense.ForwardPacked(rows, _inputWidth, _units, input, context.PackedParameters, context.Parameters[WeightCount..], output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        int rows = context.Batch * _rowsPerSample;
        ReadOnlySpan<float> weights = context.Parameters[..WeightCount];
        if (!dInput.IsEmpty && context.PackedParameters.IsEmpty)
            Dense.InputGradient(rows, _inputWidth, _units, dOutput, weights, dInput);
        else if (!dInput.IsEmpty)
            Dense.InputGradientPacked(rows, _inputWidth, _units, dOutput, context.PackedParameters, dInput);
        if (context.WholeBatchStash.IsEmpty)
        {
            Dense.WeightGradientShare(rows, _inputWidth, _units, input, dOutput, context.Gradients[..WeightCount], part: 0, parts: 1);
        }
        else
        {
            int capacityRows = context.WholeBatchStash.Length / (_inputWidth + _units), start = context.WholeBatchStart * _rowsPerSample;
            input[..(rows * _inputWidth)].CopyTo(context.WholeBatchStash[(start * _inputWidth)..]);
            dOutput[..(rows * _units)].CopyTo(context.WholeBatchStash[(capacityRows * _inputWidth + start * _units)..]);
        }
        Dense.BiasGradient(rows, _units, dOutput, context.Gradients[WeightCount..]);
    }
}
