namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Reads a (C, H, W) feature map as a sequence of W steps of C·H features (the columns of the map, left to right), so
/// image layers can feed a recurrent layer: step w, feature c·H + h is input (c, h, w).
/// </summary>
internal sealed class ToSequenceLayer : Layer
{
    public ToSequenceLayer(TensorShape input)
        : base(input, TensorShape.Sequence(input.Width, input.Channels * input.Height))
    {
    }

    public override string Description => "to sequence (steps = width)";

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        int c = InputShape.Channels, h = InputShape.Height, w = InputShape.Width, size = InputShape.Size, ch = c * h;
        for (int n = 0; n < context.Batch; n++)
        {
            ReadOnlySpan<float> map = input.Slice(n * size, size);
            Span<float> sequence = output.Slice(n * size, size);
            // Rows of the map (c, h) become features; reading them in order keeps the loads contiguous.
            for (int row = 0; row < ch; row++)
            {
                ReadOnlySpan<float> source = map.Slice(row * w, w);
                for (int step = 0; step < w; step++)
                    sequence[step * ch + row] = source[step];
            }
        }
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        int c = InputShape.Channels, h = InputShape.Height, w = InputShape.Width, size = InputShape.Size, ch = c * h;
        for (int n = 0; n < context.Batch; n++)
        {
            ReadOnlySpan<float> sequence = dOutput.Slice(n * size, size);
            Span<float> map = dInput.Slice(n * size, size);
            for (int row = 0; row < ch; row++)
            {
                Span<float> target = map.Slice(row * w, w);
                for (int step = 0; step < w; step++)
                    target[step] = sequence[step * ch + row];
            }
        }
    }
}
