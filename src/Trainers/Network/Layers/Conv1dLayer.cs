using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Learnable 1-D convolution over a sequence (steps x channels); weights (O, K, C) then bias (O).</summary>
internal sealed class Conv1dLayer : Layer
{
    private readonly int _filters, _kernel, _stride, _dilation, _padLeft, _padRight;

    public Conv1dLayer(TensorShape input, int filters, int kernel, int stride, int dilation, int padLeft, int padRight)
        : base(input, TensorShape.Sequence(
            new Conv1dShape(1, input.Steps, input.Features, filters, kernel, stride, dilation, padLeft, padRight).OutputSteps, filters))
    {
        _filters = filters;
        _kernel = kernel;
        _stride = stride;
        _dilation = dilation;
        _padLeft = padLeft;
        _padRight = padRight;
    }

    private int WeightCount => _filters * _kernel * InputShape.Features;

    public override int ParameterCount => WeightCount + _filters;

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("weight", 0, WeightCount, Decay: true),
        new("bias", WeightCount, _filters, Decay: false),
    ];

    public override string Description =>
        $"conv1d {_filters}@{_kernel} stride {_stride}" + (_dilation > 1 ? $" dilation {_dilation}" : "") + $" pad {_padLeft}+{_padRight}";

    public override int WorkspaceSize(int batch) => Conv1d.WorkspaceSize(Shape(batch));

    /// <summary>A sample's used output steps: the windows that start inside its padded used steps.</summary>
    public override void MapSteps(ReadOnlySpan<int> inputSteps, Span<int> outputSteps)
    {
        for (int n = 0; n < inputSteps.Length; n++)
        {
            int used = (inputSteps[n] + _padLeft + _padRight - (_dilation * (_kernel - 1) + 1)) / _stride + 1;
            outputSteps[n] = Math.Clamp(used, 0, OutputShape.Steps);
        }
    }

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        WeightInitializer.HeNormal(parameters[..WeightCount], _kernel * InputShape.Features, ref random);
        parameters[WeightCount..].Clear();
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output) =>
        Conv1d.Forward(Shape(context.Batch), input, context.Parameters[..WeightCount], context.Parameters[WeightCount..], output,
            context.Workspace);

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        Conv1dShape shape = Shape(context.Batch);
        Conv1d.BackwardWeights(shape, input, dOutput, context.Gradients[..WeightCount], context.Gradients[WeightCount..], context.Workspace);
        if (!dInput.IsEmpty)
            Conv1d.BackwardData(shape, dOutput, context.Parameters[..WeightCount], dInput, context.Workspace);
    }

    private Conv1dShape Shape(int batch) =>
        new(batch, InputShape.Steps, InputShape.Features, _filters, _kernel, _stride, _dilation, _padLeft, _padRight);
}
