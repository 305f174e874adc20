using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Learnable 2-D convolution with bias; weights (O, C, K, K) then bias (O).</summary>
internal sealed class Conv2dLayer : Layer
{
    private readonly int _filters, _kernel, _stride, _padding;
    private bool _relu;

    public Conv2dLayer(TensorShape input, int filters, int kernel, int stride, int padding)
        : base(input, new TensorShape(filters,
            (input.Height + 2 * padding - kernel) / stride + 1,
            (input.Width + 2 * padding - kernel) / stride + 1))
    {
        _filters = filters;
        _kernel = kernel;
        _stride = stride;
        _padding = padding;
        long weights = (long)filters * input.Channels * kernel * kernel;
        long columns = (long)input.Channels * kernel * kernel * OutputShape.Height * OutputShape.Width;
        if (weights + filters > int.MaxValue || columns > int.MaxValue)
            throw new ArgumentException(
                $"Conv2d with {filters} filters of {kernel}x{kernel} on {input} needs {Math.Max(weights, columns):N0} floats in one array, more than a network can hold.", "Conv2d.Filters");
    }

    private int WeightCount => _filters * InputShape.Channels * _kernel * _kernel;

    public override int ParameterCount => WeightCount + _filters;

    public override IEnumerable<ParameterBlock> ParameterBlocks =>
    [
        new("weight", 0, WeightCount, Decay: true),
        new("bias", WeightCount, _filters, Decay: false),
    ];

    public override string Description => $"conv {_filters}@{_kernel}x{_kernel} stride {_stride} pad {_padding}";

    public override int WorkspaceSize(int batch) => Conv2d.WorkspaceSize(Shape(batch));

    public override void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
        WeightInitializer.HeNormal(parameters[..WeightCount], InputShape.Channels * _kernel * _kernel, ref random);
        parameters[WeightCount..].Clear();
    }

    // Set once while the network is built, before any pass runs.
    public override bool FuseFollowingRelu() => _relu = true;

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        Conv2dShape shape = Shape(context.Batch);
        Conv2d.Forward(shape, input, context.Parameters[..WeightCount], context.Parameters[WeightCount..],
            output, context.Workspace, _relu);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        Conv2dShape shape = Shape(context.Batch);
        Conv2d.BackwardWeights(shape, input, dOutput, context.Gradients[..WeightCount], context.Gradients[WeightCount..],
            context.Workspace);
        if (!dInput.IsEmpty)
            Conv2d.BackwardData(shape, dOutput, context.Parameters[..WeightCount], dInput, context.Workspace);
    }

    private Conv2dShape Shape(int batch) => new(batch, InputShape.Channels, InputShape.Height, InputShape.Width,
        _filters, _kernel, _kernel, _stride, _stride, _padding, _padding);
}
