using MLNet.Extensions.Kernels.Pooling;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Max or average pooling with a square window.</summary>
internal sealed class PoolingLayer : Layer
{
    private readonly bool _max;
    private readonly int _size, _stride, _padding;
    // A max pool after a ReLU gates its gradient by its own (rectified) output, which is that ReLU's backward.
    private bool _reluBackward;

    public PoolingLayer(TensorShape input, bool max, int size, int stride, int padding)
        : base(input, new TensorShape(input.Channels,
            (input.Height + 2 * padding - size) / stride + 1,
            (input.Width + 2 * padding - size) / stride + 1))
    {
        _max = max;
        _size = size;
        _stride = stride;
        _padding = padding;
    }

    public override string Description => $"{(_max ? "max" : "avg")}-pool {_size}x{_size} stride {_stride}" + (_padding > 0 ? $" pad {_padding}" : "");

    public override int IndexCacheSize(int batch) => _max ? batch * OutputShape.Size : 0;

    public override bool FusePrecedingReluBackward() => _reluBackward = _max;

    /// <summary>Whether the layer before may compute this pool as it stores (a 2x2, stride-2, unpadded max pool).</summary>
    public bool IsTwoByTwoMax => _max && _size == 2 && _stride == 2 && _padding == 0;


    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        if (context.ForwardDoneBefore)
            return;
        Pool2dShape shape = ShapeFor(context.Batch);
        if (_max)
            MaxPool2d.Forward(shape, input, output, context.IndexCache[..output.Length]);
        else
            AvgPool2d.Forward(shape, input, output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        Pool2dShape shape = ShapeFor(context.Batch);
        if (_max)
            MaxPool2d.Backward(shape, dOutput, context.IndexCache[..dOutput.Length], dInput, _reluBackward ? output : default);
        else
            AvgPool2d.Backward(shape, dOutput, dInput);
    }

    /// <summary>This pool's shape on a batch of <paramref name="batch"/>.</summary>
    public Pool2dShape ShapeFor(int batch) => new(batch, InputShape.Channels, InputShape.Height, InputShape.Width,
        _size, _size, _stride, _stride, _padding, _padding);
}
