using MLNet.Extensions.Kernels.Pooling;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Max or average pooling along a sequence's steps, per channel. A window that reaches past a shorter sequence's used
/// steps reads what the previous layer left there; the steps it produces past the used ones are masked downstream.
/// </summary>
internal sealed class Pooling1dLayer : Layer
{
    private readonly bool _max;
    private readonly int _size, _stride, _padding;

    public Pooling1dLayer(TensorShape input, bool max, int size, int stride, int padding)
        : base(input, TensorShape.Sequence(new Pool1dShape(1, input.Steps, input.Features, size, stride, padding).OutputSteps, input.Features))
    {
        _max = max;
        _size = size;
        _stride = stride;
        _padding = padding;
    }

    public override string Description => $"{(_max ? "max" : "avg")}-pool1d {_size} stride {_stride}" + (_padding > 0 ? $" pad {_padding}" : "");

    public override int IndexCacheSize(int batch) => _max ? batch * OutputShape.Size : 0;

    public override void MapSteps(ReadOnlySpan<int> inputSteps, Span<int> outputSteps)
    {
        for (int n = 0; n < inputSteps.Length; n++)
        {
            int span = inputSteps[n] + 2 * _padding - _size;
            outputSteps[n] = span < 0 ? 0 : Math.Min(span / _stride + 1, OutputShape.Steps);
        }
    }

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        Pool1dShape shape = Shape(context.Batch);
        if (_max)
            MaxPool1d.Forward(shape, input, output, context.IndexCache[..output.Length]);
        else
            AvgPool1d.Forward(shape, input, output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        Pool1dShape shape = Shape(context.Batch);
        if (_max)
            MaxPool1d.Backward(shape, dOutput, context.IndexCache[..dOutput.Length], dInput);
        else
            AvgPool1d.Backward(shape, dOutput, dInput);
    }

    private Pool1dShape Shape(int batch) => new(batch, InputShape.Steps, InputShape.Features, _size, _stride, _padding);
}
