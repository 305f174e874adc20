using MLNet.Extensions.Kernels.Pooling;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Global average or max pooling: one value per channel over all positions of a (C, H, W) map, or over the used steps of
/// a sequence (padded steps never count).
/// </summary>
internal sealed class GlobalPoolingLayer : Layer
{
    private readonly bool _max;

    public GlobalPoolingLayer(TensorShape input, bool max)
        : base(input, TensorShape.Vector(input.IsSequence ? input.Features : input.Channels))
    {
        _max = max;
    }

    public override string Description => _max ? "global max-pool" : "global avg-pool";

    public override int IndexCacheSize(int batch) => _max ? batch * OutputShape.Size : 0;

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        GlobalPoolShape shape = Shape(context.Batch);
        if (InputShape.IsSequence)
        {
            if (_max)
                GlobalMaxPool.ForwardSequences(shape, input, context.Steps, output, context.IndexCache[..output.Length]);
            else
                GlobalAvgPool.ForwardSequences(shape, input, context.Steps, output);
        }
        else if (_max)
        {
            GlobalMaxPool.ForwardMaps(shape, input, output, context.IndexCache[..output.Length]);
        }
        else
        {
            GlobalAvgPool.ForwardMaps(shape, input, output);
        }
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        GlobalPoolShape shape = Shape(context.Batch);
        if (InputShape.IsSequence)
        {
            if (_max)
                GlobalMaxPool.BackwardSequences(shape, dOutput, context.IndexCache[..dOutput.Length], dInput);
            else
                GlobalAvgPool.BackwardSequences(shape, dOutput, context.Steps, dInput);
        }
        else if (_max)
        {
            GlobalMaxPool.BackwardMaps(shape, dOutput, context.IndexCache[..dOutput.Length], dInput);
        }
        else
        {
            GlobalAvgPool.BackwardMaps(shape, dOutput, dInput);
        }
    }

    private GlobalPoolShape Shape(int batch) => InputShape.IsSequence
        ? new(batch, InputShape.Features, InputShape.Steps)
        : new(batch, InputShape.Channels, InputShape.Height * InputShape.Width);
}
